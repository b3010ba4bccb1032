import { Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import type { BackupSettings } from '../config/schema';
import { SCHEDULE } from '../config/schedule';

export interface DataBackupPlanProps {
  readonly planName: string;
  /**
   * The vault's name. Without retainData, a piece of the stack's id is appended (`<name>-<piece>`).
   */
  readonly vaultName: string;
  /**
   * The name of the vault in `settings.copyToRegion` that recovery points are copied to (created there, outside this construct).
   * @default - `<vaultName>-copy`
   */
  readonly copyVaultName?: string;
  readonly settings: BackupSettings;
  /** Encrypts the recovery points in the vault. */
  readonly encryptionKey: kms.IKey;
  /** What the plan protects: the database (cluster or primary) and the demo-files file system. */
  readonly resources: backup.BackupResource[];
  /**
   * Keep the vault and its recovery points when the stack is deleted.
   * @default true
   */
  readonly retainData?: boolean;
}

/**
 * AWS Backup for the data tier: its own KMS-encrypted vault, a daily rule and (where configured) a
 * monthly rule kept longer, selecting the database and the file system, optionally copied to a
 * vault in a second region. It replaces the original's
 * "pg_dump or replication to S3" production advice, and lives next to the data it protects.
 */
export class DataBackupPlan extends Construct {
  readonly vault: backup.BackupVault;
  readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: DataBackupPlanProps) {
    super(scope, id);
    const { settings } = props;
    const retainData = props.retainData ?? true;

    // Always retained: AWS Backup refuses to delete a vault that still holds recovery points, so a
    // Delete policy would fail the stack's deletion. A disposable environment's vault name carries
    // a piece of the stack's id, new at every creation, so that the next deploy after a destroy does
    // not collide with the vault left behind (its recovery points expire on their own). CDK's own
    // generated name would be the same every time.
    const stackGuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: retainData ? props.vaultName : `${props.vaultName}-${Fn.select(0, Fn.split('-', stackGuid))}`,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The copy vault lives in the other region and is created there (same name in every account):
    // a stack cannot create resources in a second region.
    const stack = Stack.of(this);
    const copyVault = settings.copyToRegion
      ? backup.BackupVault.fromBackupVaultArn(
          this,
          'CopyVault',
          `arn:${stack.partition}:backup:${settings.copyToRegion}:${stack.account}:backup-vault:${props.copyVaultName ?? `${props.vaultName}-copy`}`,
        )
      : undefined;
    const rule = (ruleName: string, schedule: events.Schedule, days: number) =>
      new backup.BackupPlanRule({
        ruleName,
        scheduleExpression: schedule,
        deleteAfter: Duration.days(days),
        copyActions: copyVault ? [{ destinationBackupVault: copyVault, deleteAfter: Duration.days(days) }] : undefined,
      });
    const rules = [
      rule('Daily', events.Schedule.cron({ minute: '0', hour: String(SCHEDULE.backupPlanDailyHourUtc) }), settings.dailyRetentionDays),
    ];
    if (settings.monthlyRetentionDays > 0) {
      rules.push(
        rule(
          'Monthly',
          events.Schedule.cron({ minute: '0', hour: String(SCHEDULE.backupPlanMonthlyHourUtc), day: '1' }),
          settings.monthlyRetentionDays,
        ),
      );
    }
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: props.planName,
      backupVault: this.vault,
      backupPlanRules: rules,
    });
    const selection = this.plan.addSelection('Selection', {
      resources: props.resources,
      // Backups only: AWSBackupServiceRolePolicyForRestores would let this role pass any role to EC2
      // (with ec2:RunInstances). A restore is an operator's job, run with a role they choose
      // (docs/operations.md, backups and restores).
      allowRestores: false,
    });
    // The selection's role trusts backup.amazonaws.com without a source condition, on purpose: the AWS
    // Backup developer guide ("IAM service roles") asks only for AWS Backup as the trusted entity and
    // documents no aws:SourceAccount / aws:SourceArn for the role it is passed; a condition Backup does
    // not send would fail every backup job. PassRole is the guard: only this stack passes it.
    const role = selection.node.tryFindChild('Role');
    if (role) {
      for (const policy of ['AWSBackupServiceRolePolicyForBackup']) {
        acknowledge(role, {
          reason:
            `${policy} is the AWS-managed policy AWS Backup documents for its service role; AWS keeps it in step ` +
            'with the services Backup supports',
          rules: { AwsSolutions: [`AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`] },
        });
      }
    }
  }
}
