import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { FileSystemSettings } from '../config/schema';
import { retainOrDestroy } from './retention';

export const NFS_PORT = 2049;
/** Where the demo files live inside the file system; the access point roots clients there. */
export const DEMO_FILES_ROOT = '/demos';

export interface DemoFileSystemProps {
  readonly envName: string;
  /**
   * The file system's name (its Name tag).
   * @default - no name
   */
  readonly fileSystemName?: string;
  readonly vpc: ec2.IVpc;
  /** The isolated subnets: one mount target per zone. */
  readonly subnets: ec2.SubnetSelection;
  readonly settings: FileSystemSettings;
  readonly encryptionKey: kms.IKey;
  /**
   * Keep the file system when the stack is deleted.
   * @default true
   */
  readonly retainData?: boolean;
}

/**
 * The demo files shared by the API (uploads) and the parser (reads), the original demo-files volume:
 * EFS, encrypted with the given key, automatic backups, Infrequent Access for files nobody reads any
 * more. Clients must come through the access point, as its fixed POSIX user, over TLS, with IAM
 * authorization: the file-system policy refuses anything else.
 */
export class DemoFileSystem extends Construct implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  readonly fileSystem: efs.FileSystem;
  readonly accessPoint: efs.AccessPoint;
  /** The user and group the containers run as: the access point enforces them on every file. */
  readonly posixUser: { readonly uid: number; readonly gid: number };

  constructor(scope: Construct, id: string, props: DemoFileSystemProps) {
    super(scope, id);
    const { settings, envName } = props;

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Demo files ${envName}: NFS from the service tier only`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(NFS_PORT) });

    this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
      fileSystemName: props.fileSystemName,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroup,
      encrypted: true,
      kmsKey: props.encryptionKey,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      // Elastic throughput follows bursts of demo uploads without provisioning for the peak.
      throughputMode: efs.ThroughputMode.ELASTIC,
      lifecyclePolicy: `AFTER_${settings.transitionToInfrequentAccessDays}_DAY${
        settings.transitionToInfrequentAccessDays === 1 ? '' : 'S'
      }` as efs.LifecyclePolicy,
      outOfInfrequentAccessPolicy: efs.OutOfInfrequentAccessPolicy.AFTER_1_ACCESS,
      enableAutomaticBackups: true,
      removalPolicy: retainOrDestroy(props.retainData ?? true),
      // Not the statement aws-cdk-lib adds otherwise, which lets any principal write and act as root
      // through a mount target: clients get exactly what grantReadWrite gives them, and the policy
      // below still refuses anonymous access (a policy with no allow admits no anonymous client).
      allowAnonymousAccess: true,
    });
    // Every request must be TLS; mounting needs an IAM identity granted through the access point
    // (see `grantReadWrite`), so nothing anonymous reaches the files.
    this.fileSystem.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyWithoutTls',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['*'],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    this.fileSystem.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyOutsideTheAccessPoint',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite', 'elasticfilesystem:ClientRootAccess'],
        conditions: { Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' }, Null: { 'elasticfilesystem:AccessPointArn': 'true' } },
      }),
    );

    // No one as root: the access point's user is all a client needs. (The policy cannot admit the
    // clients by name: EFS enforces no condition key but its own four, aws:PrincipalArn included, and
    // checks a named principal when the policy is set, before the roles of a later stack exist.)
    this.fileSystem.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyRootAccess',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['elasticfilesystem:ClientRootAccess'],
      }),
    );

    this.posixUser = { uid: settings.uid, gid: settings.gid };
    this.accessPoint = this.fileSystem.addAccessPoint('AccessPoint', {
      path: DEMO_FILES_ROOT,
      // Created on first mount, owned by the containers' user; others cannot even list it.
      createAcl: { ownerUid: String(settings.uid), ownerGid: String(settings.gid), permissions: '750' },
      posixUser: { uid: String(settings.uid), gid: String(settings.gid) },
    });
  }

  /** Lets a task role mount and write the demo files through the access point, over TLS. */
  grantReadWrite(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // Named after the access point's POSIX user, which is what replaces the access point: a grant
        // in another stack then changes with it and reads the new ARN (a weak cross-stack reference is
        // resolved only when the resource that holds it is updated).
        sid: `DemoFilesAs${this.posixUser.uid}Group${this.posixUser.gid}`,
        actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
        resources: [this.fileSystem.fileSystemArn],
        conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': this.accessPoint.accessPointArn } },
      }),
    );
  }
}
