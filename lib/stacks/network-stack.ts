import { CfnOutput, CfnResource, Stack, type StackProps } from 'aws-cdk-lib';
import { environmentLogGroupPrefixes, OPERATOR_OUTPUTS } from '../config/names';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { acknowledge } from '../compliance/acknowledge';
import { EncryptionKey } from '../constructs/encryption-key';
import { ServiceRole } from '../constructs/service-role';
import { configuredLogGroup } from '../constructs/retention';

export interface NetworkStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/** The three subnet tiers, as selections the later tiers place their resources with. */
export interface SubnetTiers {
  /** Load balancer and NAT gateways. */
  readonly public: ec2.SubnetSelection;
  /** ECS tasks and Lambda: outbound through NAT, never reachable from the internet. */
  readonly privateWithEgress: ec2.SubnetSelection;
  /** Database, cache and file system: no route out of the VPC at all. */
  readonly isolated: ec2.SubnetSelection;
}

/**
 * The VPC across the configured AZs, its endpoints and flow logs, and the key every log group of
 * the environment is encrypted with. Stateful: later tiers keep their addresses in it.
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.IVpc;
  readonly subnets: SubnetTiers;
  readonly logsKey: kms.IKey;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { network } = props.config;
    const prefix = Number(network.cidr.split('/')[1]);

    this.logsKey = new EncryptionKey(this, 'LogsKey', {
      purpose: `CloudWatch Logs of CS2 Analytics ${props.config.envName}`,
      forCloudWatchLogs: true,
      logGroupNamePrefixes: environmentLogGroupPrefixes(props.config.envName),
    }).key;

    const natInstances = network.natInstanceType
      ? ec2.NatProvider.instanceV2({
          instanceType: new ec2.InstanceType(network.natInstanceType),
          machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
          // Replies only: nothing on the internet may open a connection through it.
          defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
          associatePublicIpAddress: true,
          userData: natInstanceUserData(),
        })
      : undefined;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(network.cidr),
      availabilityZones: network.availabilityZones,
      natGateways: network.natGateways,
      natGatewayProvider: natInstances,
      // Sizes relative to the VPC: in a /16, public and isolated /24s, private /20s for tasks.
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: prefix + 8, mapPublicIpOnLaunch: false },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: prefix + 4 },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: prefix + 8 },
      ],
      restrictDefaultSecurityGroup: true,
      // The S3 gateway endpoint is free and keeps ECR layer downloads and archives off the NAT.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });

    if (natInstances) this.hardenNatInstances(natInstances, network.cidr, props.config.envName);

    const flowLogGroup = configuredLogGroup(this, 'FlowLogGroup', {
      envName: props.config.envName,
      retentionField: 'network.flowLogRetentionDays',
      retentionDays: network.flowLogRetentionDays,
      encryptionKey: this.logsKey,
      retain: true,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        flowLogGroup,
        // ServiceRole's trust policy adds the source conditions flow logs document: this account, and
        // the flow logs of this account and region (aws:SourceArn vpc-flow-log/*).
        new ServiceRole(this, 'FlowLogRole', {
          assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
              // The log group's Arn attribute already ends in `:*`, which covers its streams.
              resources: [flowLogGroup.logGroupArn],
            }),
          ],
        }).role,
      ),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    for (const subnet of vpc.publicSubnets) {
      acknowledge(subnet, {
        reason:
          'Public subnets hold only the internet-facing load balancer and the NAT gateways, which need the ' +
          'default route to the internet gateway; tasks, Lambda and data stores sit in private subnets',
        rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW'] },
      });
    }
    const restrictDefaultSecurityGroup = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (restrictDefaultSecurityGroup) {
      // Its logs too go to an encrypted group with the configured retention, not to an implicit one.
      const providerLogs = configuredLogGroup(this, 'RestrictDefaultSecurityGroupLogs', {
        envName: props.config.envName,
        retentionField: 'network.flowLogRetentionDays',
        retentionDays: network.flowLogRetentionDays,
        encryptionKey: this.logsKey,
      });
      const handler = restrictDefaultSecurityGroup.node.tryFindChild('Handler') as CfnResource | undefined;
      handler?.addPropertyOverride('LoggingConfig', { LogGroup: providerLogs.logGroupName });
      acknowledge(restrictDefaultSecurityGroup, {
        reason:
          'CDK provider that strips the rules of the VPC default security group at deploy time; it calls only the ' +
          'EC2 API, touches no data, and cannot live inside the VPC whose NAT route it may be deployed before',
        rules: { 'cdk-validator-cfnguard': ['lambda_inside_vpc_check'] },
      });
    }

    if (network.interfaceEndpoints) {
      const endpoints: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
        EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
        EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
        CloudWatchLogs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
        SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      };
      // One group for all endpoints, HTTPS from the VPC's own range only. The range is written as
      // the literal from config (not the VPC's CidrBlock attribute) so the checks can read it.
      const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc,
        description: 'Interface endpoints: HTTPS from inside the VPC',
        allowAllOutbound: false,
      });
      endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(network.cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
      for (const [name, service] of Object.entries(endpoints)) {
        vpc.addInterfaceEndpoint(name, {
          service,
          subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          privateDnsEnabled: true,
          securityGroups: [endpointSecurityGroup],
          open: false,
        });
      }
    }

    this.vpc = vpc;
    this.subnets = {
      public: { subnetType: ec2.SubnetType.PUBLIC },
      privateWithEgress: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      isolated: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    };
    new CfnOutput(this, OPERATOR_OUTPUTS.privateSubnets.name, {
      value: vpc.selectSubnets(this.subnets.privateWithEgress).subnetIds.join(','),
      description: 'Private subnets (with egress) where the tasks run, comma-separated (npm run migrate, aws ecs run-task)',
    });
  }

  /**
   * NAT instances as the validators expect any instance: IMDSv2 only, an encrypted root volume,
   * detailed monitoring, EBS-optimized; reachable from the VPC only.
   */
  private hardenNatInstances(provider: ec2.NatInstanceProviderV2, cidr: string, envName: string): void {
    // The configured range, not the VPC's attribute: validators can read a literal.
    provider.connections.allowFrom(ec2.Peer.ipv4(cidr), ec2.Port.allTraffic(), 'Traffic from the VPC to the internet');
    acknowledge(provider.securityGroup, {
      reason:
        `NAT instances of ${envName}: every port is open to the VPC's own range (${cidr}) only, since they forward whatever ` +
        'the private subnets send out; nothing outside the VPC may connect',
      rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-EC2RestrictedCommonPorts'] },
    });
    for (const instance of provider.gatewayInstances) {
      const resource = instance.instance;
      resource.blockDeviceMappings = [
        { deviceName: '/dev/xvda', ebs: { volumeSize: 8, volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
      ];
      resource.monitoring = true;
      resource.ebsOptimized = true;
      // IMDSv2 only, and detailed monitoring in the launch template as well (Control Tower reads both).
      const launchTemplate = new ec2.CfnLaunchTemplate(instance, 'LaunchTemplate', {
        launchTemplateData: { metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled' }, monitoring: { enabled: true } },
      });
      resource.launchTemplate = { launchTemplateId: launchTemplate.ref, version: launchTemplate.attrLatestVersionNumber };
      const why = `NAT instance of ${envName} (network.natInstanceType)`;
      acknowledge(instance, {
        reason:
          `${why}: its public address is how the private subnets reach the internet; its security group admits only the ` +
          'VPC, and it forwards replies only',
        rules: {
          'NIST.800.53.R5': ['NIST.800.53.R5-EC2InstanceNoPublicIp'],
          'cdk-validator-cfnguard': ['ec2_instance_no_public_ip_check'],
        },
      });
      acknowledge(instance, {
        reason: `${why}: it sits in the VPC's public subnet through its network interface (SubnetId there, which this rule does not read)`,
        rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-EC2InstancesInVPC'] },
      });
      acknowledge(instance, {
        reason:
          `${why}: it forwards the services' connections to AWS APIs and the internet, all TLS end to end; no traffic ` +
          'between instances needs the Nitro encryption this control asks for, which t4g types do not offer',
        rules: { 'cdk-validator-cfnguard': ['ec2_instance_nitro_encryption_in_transit_check'] },
      });
      acknowledge(instance, {
        reason:
          `${why}, replaced by any deploy that finds a newer image: neither termination protection nor an Auto Scaling ` +
          'group fits; the config trades that availability for cost in dev',
        rules: { AwsSolutions: ['AwsSolutions-EC29'] },
      });
    }
  }
}

/**
 * What turns an Amazon Linux 2023 instance into a NAT, in place of CDK's default script, which on
 * AL2023 fails now and then: cloud-init may clean dnf's cache while the install runs (aws-cdk#36717),
 * and `service iptables save` needs initscripts, which AL2023 does not install. The outgoing
 * interface is read with `ip route` (no net-tools needed).
 */
function natInstanceUserData(): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'set -euo pipefail',
    'for attempt in $(seq 1 20); do dnf install -y iptables-services && break; echo "dnf install failed ($attempt), retrying"; sleep 6; done',
    'systemctl enable --now iptables',
    "echo 'net.ipv4.ip_forward=1' > /etc/sysctl.d/90-nat.conf",
    'sysctl -p /etc/sysctl.d/90-nat.conf',
    "IFACE=$(ip route show default | awk '{print $5; exit}')",
    'iptables -t nat -A POSTROUTING -o "$IFACE" -j MASQUERADE',
    // iptables-services starts with a FORWARD chain that rejects everything.
    'iptables -F FORWARD',
    'iptables-save > /etc/sysconfig/iptables',
  );
  return userData;
}
