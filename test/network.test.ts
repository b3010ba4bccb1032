import { Match } from 'aws-cdk-lib/assertions';
import { stackOf, synthesized, templateOf } from './support/synthesized';

const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

/**
 * Each environment's egress, written out rather than chosen by the config the way the stack does: a
 * test that branched on `natInstanceType` would agree with whichever way the stack went.
 */
const EXPECTED = {
  // Cost lever: one NAT instance, no interface endpoints.
  dev: { natInstances: ['t4g.micro'], natGateways: 0, interfaceEndpoints: false },
  staging: { natInstances: [], natGateways: 1, interfaceEndpoints: true },
  prod: { natInstances: [], natGateways: 3, interfaceEndpoints: true },
} as const;

describe.each(ENVIRONMENTS)('network stack in %s', (env) => {
  const config = synthesized(env).config;
  const template = templateOf(env, 'Network');
  const zones = config.network.availabilityZones;
  const expected = EXPECTED[env];

  test('is named after the environment and tier', () => {
    expect(stackOf(env, 'Network').stackName).toBe(`Cs2Analytics-${env}-network`);
  });

  test('spans exactly the configured availability zones', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    const subnetZones = new Set(subnets.map((subnet) => subnet.Properties.AvailabilityZone));
    expect([...subnetZones].sort()).toEqual([...zones].sort());
  });

  test('has a public, a private-with-egress and an isolated subnet in every zone', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    const tiers = (name: string) =>
      subnets.filter((subnet) =>
        subnet.Properties.Tags.some((tag: { Key: string; Value: string }) => tag.Key === 'aws-cdk:subnet-name' && tag.Value === name),
      );
    for (const tier of ['Public', 'Private', 'Isolated']) {
      expect(tiers(tier)).toHaveLength(zones.length);
    }
    // Nothing gets a public address by merely starting in a public subnet.
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  test('routes private subnets through NAT and isolated subnets nowhere', () => {
    const routes = Object.entries(template.findResources('AWS::EC2::Route'));
    const privateRoutes = routes.filter(([id]) => id.includes('PrivateSubnet'));
    expect(privateRoutes).toHaveLength(zones.length);
    for (const [, route] of privateRoutes) {
      if (expected.natInstances.length > 0) expect(route.Properties.InstanceId).toBeDefined();
      else expect(route.Properties.NatGatewayId).toBeDefined();
    }
    expect(routes.filter(([id]) => id.includes('IsolatedSubnet'))).toHaveLength(0);
  });

  test('has the configured number of NAT gateways, or NAT instances of the configured type', () => {
    const instances = template.findResources('AWS::EC2::Instance');
    template.resourceCountIs('AWS::EC2::NatGateway', expected.natGateways);
    expect(Object.values(instances).map((instance) => instance.Properties.InstanceType)).toEqual(expected.natInstances);
  });

  test('has an S3 gateway endpoint', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.s3'])]) }),
    });
  });

  test('has the interface endpoints only where the config switches them on', () => {
    const interfaces = Object.values(
      template.findResources('AWS::EC2::VPCEndpoint', {
        Properties: { VpcEndpointType: 'Interface' },
      }),
    );
    const services = interfaces.map((endpoint) => JSON.stringify(endpoint.Properties.ServiceName)).sort();
    if (!expected.interfaceEndpoints) {
      expect(services).toEqual([]);
      return;
    }
    expect(services).toHaveLength(4);
    for (const service of ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager']) {
      expect(services.some((name) => name.includes(`.${service}`))).toBe(true);
    }
    for (const endpoint of interfaces) {
      expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
    }
    // The endpoints accept HTTPS from the VPC's own range and nothing else.
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Interface endpoints: HTTPS from inside the VPC',
      SecurityGroupIngress: [Match.objectLike({ CidrIp: config.network.cidr, FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })],
    });
  });

  test('logs all VPC traffic to an encrypted log group with the configured retention', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        RetentionInDays: config.network.flowLogRetentionDays,
        KmsKeyId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }),
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('encrypts logs with a rotating customer-managed key that only AWS services may grant on', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'DenyGrantsExceptForAwsResources', Effect: 'Deny', Action: 'kms:CreateGrant' }),
          Match.objectLike({ Sid: 'AllowCloudWatchLogsOfThisAccountAndRegion', Effect: 'Allow' }),
        ]),
      },
    });
  });

  test('gives the flow-log role a managed policy on its log group only, no inline policy', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FlowLogGroup'), 'Arn'] },
          }),
        ],
      },
    });
  });

  test('closes the default security group', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('is termination-protected only where the config says so', () => {
    expect(stackOf(env, 'Network').terminationProtection).toBe(config.terminationProtection);
  });

  test('tags every resource with app, env and owner', () => {
    expect(stackOf(env, 'Network').tags).toEqual({ app: 'cs2-analytics', env, owner: config.owner });
    template.hasResourceProperties('AWS::EC2::VPC', {
      Tags: Match.arrayWith([
        { Key: 'app', Value: 'cs2-analytics' },
        { Key: 'env', Value: env },
        { Key: 'owner', Value: config.owner },
      ]),
    });
  });
});

test('prod survives the loss of a zone: one NAT gateway per zone; dev saves with one NAT instance', () => {
  expect(synthesized('prod').config.network.natGateways).toBe(synthesized('prod').config.network.availabilityZones.length);
  templateOf('prod', 'Network').resourceCountIs('AWS::EC2::NatGateway', 3);
  templateOf('dev', 'Network').resourceCountIs('AWS::EC2::NatGateway', 0);
  templateOf('dev', 'Network').resourceCountIs('AWS::EC2::Instance', 1);
});

test('a NAT instance forwards only for the VPC, with IMDSv2, an encrypted volume and detailed monitoring', () => {
  const network = templateOf('dev', 'Network');
  network.hasResourceProperties('AWS::EC2::Instance', {
    InstanceType: synthesized('dev').config.network.natInstanceType,
    SourceDestCheck: false,
    Monitoring: true,
    BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true, VolumeType: 'gp3' }) })],
    NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: true })],
  });
  const userData = JSON.stringify(Object.values(network.findResources('AWS::EC2::Instance'))[0].Properties.UserData);
  // Retries the install (aws-cdk#36717), finds the interface without net-tools, persists without initscripts.
  expect(userData).toContain('do dnf install -y iptables-services && break;');
  expect(userData).toContain('ip route show default');
  expect(userData).toContain('iptables-save > /etc/sysconfig/iptables');
  network.hasResourceProperties('AWS::EC2::LaunchTemplate', {
    LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' }, Monitoring: { Enabled: true } },
  });
  network.hasResourceProperties('AWS::EC2::SecurityGroup', {
    GroupDescription: 'Security Group for NAT instances',
    SecurityGroupIngress: [Match.objectLike({ CidrIp: synthesized('dev').config.network.cidr, IpProtocol: '-1' })],
  });
});
