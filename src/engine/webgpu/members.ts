// What the members of one group may differ in (their attention settings, nothing else: every dispatch runs one
// shape for all of them), and each member's attention settings as the kernels read them (the member table's flags).
import { UserError } from '../../core/errors.js';
import type { ModelConfig } from '../../model/config.js';
import { MEMBER_FLAGS } from './kernels/members.wgsl.js';

/** Throws a one-line UserError naming the first setting outside `attention` in which a member differs from member 0. */
export function checkGroupConfigs(configs: readonly ModelConfig[]): void {
  if (configs.length === 0) throw new UserError('a group needs at least one member');
  const first = configs[0];
  configs.forEach((config, i) => {
    for (const key of Object.keys(first) as (keyof ModelConfig)[]) {
      if (key === 'attention' || config[key] === first[key]) continue;
      throw new UserError(
        `members of one group must share the model's shape and settings (only attention may differ): ` +
        `member ${i} has ${key} ${String(config[key])}, member 0 has ${String(first[key])}`,
      );
    }
  });
}

/** The member table's attention flags of a member with this config. */
export function memberFlags(config: ModelConfig): number {
  const a = config.attention;
  if (a.scoring !== 'ssa') return 0;
  return MEMBER_FLAGS.ssa | (a.ssaGranularity === 'head' ? MEMBER_FLAGS.perHead : 0)
    | (a.ssaNTrainable ? MEMBER_FLAGS.nTrainable : 0) | (a.ssaBTrainable ? MEMBER_FLAGS.bTrainable : 0);
}
