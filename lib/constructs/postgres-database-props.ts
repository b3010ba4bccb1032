import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { DatabaseSettings } from '../config/schema';

/**
 * What PostgresDatabase is built from. A module of its own, so that the engine modes' parts
 * (postgres-engine-parts.ts), which PostgresDatabase imports, carry them without importing it back.
 */
export interface PostgresDatabaseProps {
  /** Names its resources (config/names.ts): identifiers, secrets, DNS names. */
  readonly envName: string;
  readonly vpc: ec2.IVpc;
  /** Where the database, its replicas and the proxy live: the isolated subnets. */
  readonly subnets: ec2.SubnetSelection;
  /** Where the credential-rotation function runs: it needs the Secrets Manager API (NAT or endpoint). */
  readonly rotationSubnets: ec2.SubnetSelection;
  /** The zones readers are spread over, in order; the writer takes the first. */
  readonly availabilityZones: readonly string[];
  readonly settings: DatabaseSettings;
  /** Encrypts storage, snapshots, Performance Insights and the credentials secret. */
  readonly encryptionKey: kms.IKey;
  /** Encrypts the PostgreSQL log export. */
  readonly logsKey: kms.IKey;
  /**
   * The role the database assumes for `aws_s3.query_export_to_s3` (archiving retired partitions).
   * @default - no S3 export
   */
  readonly s3ExportRole?: iam.IRole;
  /**
   * The logins the applications use, each with a secret of its own that RDS Proxy knows it by (the
   * proxy then accepts them, and only them: the master user stays with operators and the job).
   * @default - the proxy accepts the master user
   */
  readonly appLogins?: readonly string[];
  /**
   * The login schema migrations use, with a secret of its own that RDS Proxy knows it by.
   * @default - no migration login
   */
  readonly migrationLogin?: string;
  /**
   * Deletion protection, snapshot-on-delete and retained secret and logs. Only a throw-away
   * environment turns it off.
   * @default true
   */
  readonly retainData?: boolean;
}
