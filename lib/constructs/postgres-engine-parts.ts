import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as backup from 'aws-cdk-lib/aws-backup';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { PostgresDatabaseProps } from './postgres-database-props';

/** RDS Proxy always listens on PostgreSQL's default port; application clients use it. */
export const PROXY_PORT = 5432;
/**
 * The database instances listen on a port that is not the engine default (AwsSolutions-RDS11,
 * Control Tower CT.RDS.PR.20). Only the proxy, credential rotation, the maintenance job and, in
 * `instance` mode, read-only clients of the replicas use it.
 */
export const DATABASE_PORT = 5532;
export const MASTER_USERNAME = 'cs2admin';
export const DATABASE_NAME = 'cs2analytics';

/**
 * What PostgresDatabase settles before either engine mode builds its database (postgres-aurora-cluster.ts,
 * postgres-instance.ts): both create their resources in the PostgresDatabase construct's scope, so
 * their logical ids are those the construct would give them itself.
 */
export interface DatabaseParts {
  readonly props: PostgresDatabaseProps;
  /** `cs2analytics-<env>`: the cluster's or the primary's identifier. */
  readonly identifier: string;
  readonly credentials: rds.Credentials;
  /** The PostgreSQL parameters of every group (postgres-parameters.ts). */
  readonly parameters: ReturnType<typeof import('./postgres-parameters').postgresParameters>;
  readonly instanceType: ec2.InstanceType;
  /** SNAPSHOT where the environment keeps its data, else DESTROY. */
  readonly removalPolicy: RemovalPolicy;
  readonly insights: {
    readonly enablePerformanceInsights: boolean;
    readonly performanceInsightRetention: rds.PerformanceInsightRetention;
    readonly performanceInsightEncryptionKey: kms.IKey;
  };
  readonly monitoring: { readonly monitoringInterval: import('aws-cdk-lib').Duration; readonly monitoringRole: iam.IRole };
  readonly securityGroup: ec2.ISecurityGroup;
  /** The zone of reader `index`: the next zones after the writer's. */
  readonly readerZone: (index: number) => string;
  /** The log group RDS will export to under `name`, created first (encrypted, with the configured retention). */
  readonly exportLogGroup: (logicalId: string, name: string) => logs.LogGroup;
  /** Acknowledges the explicit zone of an instance placed on purpose. */
  readonly placedInZone: (instance: Construct) => void;
}

/** What an engine mode hands back to PostgresDatabase. */
export interface BuiltDatabase {
  readonly secret: secretsmanager.ISecret;
  readonly directWriterEndpoint: string;
  readonly describeArn: string;
  readonly proxyTarget: rds.ProxyTarget;
  readonly backupResource: backup.BackupResource;
  readonly instanceIdentifiers: { readonly writer: string; readonly readers: readonly string[] };
  /** The replicas' own addresses (instance mode), for the weighted reader name. */
  readonly replicaAddresses: readonly string[];
  /** Who may reach the replicas (instance mode with readers). */
  readonly replicaConnections?: ec2.Connections;
}
