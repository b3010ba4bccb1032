import type { Template } from 'aws-cdk-lib/assertions';
import { TEST_ACCOUNT } from './support/context';
import { stackOf, synthesized, templateOf } from './support/synthesized';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; DependsOn?: string[] }>;

const VARIANTS = ['dev', 'staging', 'prod'] as const;
const SERVICES = ['web', 'api', 'parser'] as const;

/**
 * The application container's CPU units and hard memory limit: the task's, less 64 MiB for the
 * volume-init container, and, where Service Connect adds its proxy (api, parser), less the 256 CPU
 * units and 64 MiB the ECS developer guide asks to leave it. Web has no proxy: no CPU reservation.
 */
const APP_CONTAINER_SIZES = {
  dev: { web: { Cpu: undefined, Memory: 448 }, api: { Cpu: 256, Memory: 896 }, parser: { Cpu: 768, Memory: 1920 } },
  staging: { web: { Cpu: undefined, Memory: 960 }, api: { Cpu: 256, Memory: 896 }, parser: { Cpu: 768, Memory: 1920 } },
  prod: { web: { Cpu: undefined, Memory: 1984 }, api: { Cpu: 768, Memory: 1920 }, parser: { Cpu: 1792, Memory: 3968 } },
};

/**
 * What differs between the environments' services, written out rather than worked out from the
 * config with the stacks' own conditions (`spot ? 'FARGATE_SPOT' : 'FARGATE'`), which would agree
 * with the stacks whatever they made of those settings.
 */
const EXPECTED = {
  // Disposable: its images go with it, and it runs on Spot on weekdays in office hours only.
  dev: {
    repository: { DeletionPolicy: 'Delete', EmptyOnDelete: true },
    capacityProviders: { web: 'FARGATE_SPOT', api: 'FARGATE_SPOT', parser: 'FARGATE_SPOT' },
    publicPorts: [80],
    waf: false,
    runHours: { stop: 'cron(0 20 ? * MON-FRI *)', start: 'cron(0 6 ? * MON-FRI *)' },
  },
  staging: {
    repository: { DeletionPolicy: 'Retain', EmptyOnDelete: undefined },
    capacityProviders: { web: 'FARGATE', api: 'FARGATE', parser: 'FARGATE_SPOT' },
    publicPorts: [80],
    waf: true,
    runHours: undefined,
  },
  // A domain: HTTPS, with plain HTTP only to redirect.
  prod: {
    repository: { DeletionPolicy: 'Retain', EmptyOnDelete: undefined },
    capacityProviders: { web: 'FARGATE', api: 'FARGATE', parser: 'FARGATE' },
    publicPorts: [443, 80],
    waf: true,
    runHours: undefined,
  },
} as const;

/** The exec-form health check's tool per service, the same in every environment. */
const HEALTH_CHECK_TOOLS = { web: 'node', api: 'node', parser: 'python3' } as const;

function resources(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

describe.each(VARIANTS)('registry in %s', (variant) => {
  const template = templateOf(variant, 'Registry');

  test('has one repository per service: retained where data is kept, scanned on push, immutable tags, a lifecycle rule', () => {
    const repositories = Object.values(resources(template, 'AWS::ECR::Repository'));
    expect(repositories.map((repository) => repository.Properties.RepositoryName).sort()).toEqual(
      SERVICES.map((name) => `cs2analytics-${variant}/${name}`).sort(),
    );
    for (const repository of repositories) {
      // A disposable environment deletes its images with it, so that it can be deployed again.
      expect(repository.DeletionPolicy).toBe(EXPECTED[variant].repository.DeletionPolicy);
      expect(repository.Properties.EmptyOnDelete).toBe(EXPECTED[variant].repository.EmptyOnDelete);
      expect(repository.Properties).toMatchObject({
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        LifecyclePolicy: { LifecyclePolicyText: expect.stringContaining('"rulePriority"') },
      });
    }
    expect(stackOf(variant, 'Registry').terminationProtection).toBe(synthesized(variant).config.terminationProtection);
  });
});

describe.each(VARIANTS)('services in %s', (variant) => {
  const { config } = synthesized(variant);
  const expected = EXPECTED[variant];
  const template = templateOf(variant, 'Services');
  const taskDefinitions = Object.values(resources(template, 'AWS::ECS::TaskDefinition'));
  const containers = taskDefinitions.flatMap((definition) => definition.Properties.ContainerDefinitions as any[]);
  const container = (name: string) => containers.find((candidate) => candidate.Name === name)!;
  const taskDefinitionOf = (name: string) =>
    taskDefinitions.find((d) => d.Properties.ContainerDefinitions.some((c: { Name: string }) => c.Name === name))!;
  const services = Object.values(resources(template, 'AWS::ECS::Service'));
  const service = (name: string) => services.find((candidate) => candidate.Properties.ServiceName === `cs2analytics-${variant}-${name}`)!;
  const groups = resources(template, 'AWS::EC2::SecurityGroup');
  const groupId = (pattern: RegExp) => Object.entries(groups).find(([, group]) => pattern.test(group.Properties.GroupDescription))![0];
  const ingress = Object.values(resources(template, 'AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);

  test('runs a cluster with Container Insights and both Fargate capacity providers; ECS Exec logged when on', () => {
    const [cluster] = Object.values(resources(template, 'AWS::ECS::Cluster'));
    expect(cluster.Properties.ClusterSettings).toEqual([{ Name: 'containerInsights', Value: 'enabled' }]);
    expect(cluster.Properties.Configuration.ExecuteCommandConfiguration).toMatchObject({
      Logging: 'OVERRIDE',
      LogConfiguration: { CloudWatchEncryptionEnabled: true },
    });
    const [providers] = Object.values(resources(template, 'AWS::ECS::ClusterCapacityProviderAssociations'));
    expect(providers.Properties.CapacityProviders.sort()).toEqual(['FARGATE', 'FARGATE_SPOT']);
    for (const name of SERVICES) expect(service(name).Properties.EnableExecuteCommand).toBe(config.services.execEnabled);
  });

  test.each(SERVICES)(
    "%s: its containers run the configured tag of its own repository, named in the environment's account and region",
    (name) => {
      const registry = templateOf(variant, 'Registry').toJSON();
      const registryStack = stackOf(variant, 'Registry').stackName;
      const images = containers.filter((candidate) => candidate.Name.startsWith(`${name}`)).map((candidate) => candidate.Image);
      expect(images.length).toBeGreaterThanOrEqual(2); // the application and the scratch-volume preparation
      for (const image of images) {
        const [separator, parts] = image['Fn::Join'];
        expect(separator).toBe('');
        expect(parts).toEqual([
          `${synthesized(variant).config.account ?? TEST_ACCOUNT}.dkr.ecr.${config.region}.`,
          { Ref: 'AWS::URLSuffix' },
          '/',
          { 'Fn::GetStackOutput': { StackName: registryStack, Region: config.region, OutputName: expect.any(String) } },
          `:${config.images[name].tag}`,
        ]);
        // The output is the repository's name (its Ref), not an ARN to split.
        const output = registry.Outputs[parts[3]['Fn::GetStackOutput'].OutputName];
        expect(registry.Resources[output.Value.Ref].Properties.RepositoryName).toBe(`cs2analytics-${variant}/${name}`);
      }
    },
  );

  test.each(SERVICES)('%s: Spot as configured, circuit breaker with rollback, 100/200 %, spread over private subnets', (name) => {
    const { Properties } = service(name);
    expect(Properties.CapacityProviderStrategy).toEqual([{ CapacityProvider: expected.capacityProviders[name], Weight: 1 }]);
    expect(Properties.DeploymentConfiguration).toMatchObject({
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
    });
    expect(Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    const subnets = JSON.stringify(Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets).match(/Vpc\w*Subnet/g)!;
    expect(subnets).toHaveLength(config.network.availabilityZones.length);
    expect(subnets.every((subnet) => subnet.includes('PrivateSubnet'))).toBe(true);
    expect(Properties.AvailabilityZoneRebalancing).toBe('ENABLED');
  });

  test('the parser is Fargate Spot outside prod, on demand in prod', () => {
    expect(config.services.parser.spot).toBe(variant !== 'prod');
  });

  test('the parser has no load-balancer target and is reachable only as http://parser:8001 through Service Connect', () => {
    expect(service('parser').Properties.LoadBalancers ?? []).toEqual([]);
    expect(service('parser').Properties.ServiceConnectConfiguration).toMatchObject({
      Enabled: true,
      Services: [{ PortName: 'parser-http', ClientAliases: [{ DnsName: 'parser', Port: 8001 }] }],
    });
    expect(service('api').Properties.ServiceConnectConfiguration).toMatchObject({ Enabled: true });
    expect(service('api').Properties.ServiceConnectConfiguration.Services).toBeUndefined();
    // Web calls nothing inside the cluster: no proxy in its tasks, said explicitly (ECS keeps a configuration an update leaves out).
    expect(service('web').Properties.ServiceConnectConfiguration).toEqual({ Enabled: false });
    expect(container('api').Environment).toContainEqual({ Name: 'PARSER_URL', Value: 'http://parser:8001' });
    const parserGroup = groupId(/parser tasks/);
    const toParser = ingress.filter((rule) => rule.GroupId?.['Fn::GetAtt']?.[0] === parserGroup);
    expect(toParser).toHaveLength(1);
    expect(toParser[0]).toMatchObject({
      FromPort: 8001,
      ToPort: 8001,
      SourceSecurityGroupId: { 'Fn::GetAtt': [groupId(/API tasks/), 'GroupId'] },
    });
  });

  test('web takes the default route, the API its path pattern', () => {
    const listeners = Object.values(resources(template, 'AWS::ElasticLoadBalancingV2::Listener'));
    const serving = listeners.find((listener) => listener.Properties.DefaultActions[0].Type === 'forward')!;
    const targetGroups = resources(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const webTargets = Object.keys(targetGroups).find((id) => id.startsWith('WebTargets'))!;
    expect(serving.Properties.DefaultActions[0].TargetGroupArn).toEqual({ Ref: webTargets });
    const [rule] = Object.values(resources(template, 'AWS::ElasticLoadBalancingV2::ListenerRule'));
    expect(rule.Properties.Conditions).toEqual([
      { Field: 'path-pattern', PathPatternConfig: { Values: [config.services.apiPathPattern] } },
    ]);
    expect(JSON.stringify(rule.Properties.Actions)).toContain('ApiTargets');
    for (const [id, group] of Object.entries(targetGroups)) {
      const name = id.startsWith('Web') ? 'web' : 'api';
      expect(group.Properties).toMatchObject({
        TargetType: 'ip',
        HealthCheckPath: config.services[name].healthCheckPath,
        Port: config.services[name].port,
      });
    }
  });

  test('HTTPS with a certificate and an HTTP redirect where a domain is set; plain HTTP only where allowed', () => {
    const listeners = Object.values(resources(template, 'AWS::ElasticLoadBalancingV2::Listener')).map((listener) => listener.Properties);
    if (expected.publicPorts[0] === 443) {
      expect(listeners.find((listener) => listener.Port === 443)).toMatchObject({ Protocol: 'HTTPS', Certificates: [expect.anything()] });
      expect(listeners.find((listener) => listener.Port === 80)!.DefaultActions[0]).toMatchObject({
        Type: 'redirect',
        RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
      });
      const [certificate] = Object.values(resources(template, 'AWS::CertificateManager::Certificate'));
      expect(certificate.Properties).toMatchObject({ DomainName: config.loadBalancer.domainName, ValidationMethod: 'DNS' });
      const [record] = Object.values(resources(template, 'AWS::Route53::RecordSet'));
      expect(record.Properties).toMatchObject({
        Name: `${config.loadBalancer.domainName}.`,
        Type: 'A',
        HostedZoneId: config.loadBalancer.hostedZoneId,
      });
    } else {
      expect(config.loadBalancer.allowPlainHttp).toBe(true);
      expect(listeners).toEqual([expect.objectContaining({ Port: 80, Protocol: 'HTTP' })]);
    }
  });

  test('only the load balancer accepts traffic from the internet, and only on 80/443', () => {
    const open = Object.entries(groups).flatMap(([id, group]) =>
      (group.Properties.SecurityGroupIngress ?? [])
        .filter((rule: any) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0')
        .map((rule: any) => [id, rule.FromPort]),
    );
    const albGroup = groupId(/load balancer: HTTP\(S\) from the internet/);
    expect(open.every(([id]) => id === albGroup)).toBe(true);
    expect(open.map(([, port]) => port).sort()).toEqual(expected.publicPorts);
    expect(ingress.filter((rule) => rule.CidrIp || rule.CidrIpv6)).toEqual([]);
  });

  test('the load balancer: access logs to a retained encrypted bucket, idle timeout, deletion protection, WAF as configured', () => {
    const [balancer] = Object.values(resources(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer'));
    const attributes = Object.fromEntries(balancer.Properties.LoadBalancerAttributes.map((a: any) => [a.Key, a.Value]));
    expect(attributes).toMatchObject({
      'access_logs.s3.enabled': 'true',
      'idle_timeout.timeout_seconds': String(config.loadBalancer.idleTimeoutSeconds),
      'deletion_protection.enabled': String(config.loadBalancer.deletionProtection),
      'routing.http.drop_invalid_header_fields.enabled': 'true',
    });
    const [logs] = Object.values(resources(template, 'AWS::S3::Bucket'));
    expect(logs.DeletionPolicy).toBe('Retain');
    expect(logs.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', expected.waf ? 1 : 0);
    if (expected.waf) {
      const [acl] = Object.values(resources(template, 'AWS::WAFv2::WebACL'));
      // The per-IP rate limit first, the managed rule groups, then the block of oversized bodies off the API's paths.
      const statement = (rule: any) =>
        rule.Statement.ManagedRuleGroupStatement?.Name ?? Object.keys(rule.Statement).find((key) => key.endsWith('Statement'));
      expect(acl.Properties.Rules.map(statement)).toEqual([
        'RateBasedStatement',
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
        'AWSManagedRulesAmazonIpReputationList',
        'AndStatement',
      ]);
      template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
    }
  });

  test('the API gets the original environment; the parser WORKERS', () => {
    const env = (name: string) => Object.fromEntries(container(name).Environment.map((e: any) => [e.Name, e.Value]));
    const api = env('api');
    expect(Object.keys(api)).toEqual(
      expect.arrayContaining(['PARSER_URL', 'DEMO_STORAGE_PATH', 'ARCHIVAL_ENABLED', 'ARCHIVAL_THRESHOLD_MONTHS']),
    );
    expect(api).toMatchObject({
      DEMO_STORAGE_PATH: '/mnt/demos',
      ARCHIVAL_ENABLED: String(config.archival.enabled),
      ARCHIVAL_THRESHOLD_MONTHS: String(config.archival.thresholdMonths),
    });
    const parser = env('parser');
    expect(parser.WORKERS).toBe(String(config.services.parser.workers));
  });

  describe('credentials', () => {
    const secrets = resources(template, 'AWS::SecretsManager::Secret');
    const valuesOf = (kind: string) => Object.keys(secrets).find((id) => id.startsWith(`Connections${kind}Values`))!;
    const functions = Object.entries(resources(template, 'AWS::Lambda::Function'));
    const [refreshId, refresh] = functions.find(([id]) => /^ConnectionsRefresh/.test(id))!;
    const secretsOf = (name: string) => Object.fromEntries((container(name).Secrets ?? []).map((s: any) => [s.Name, s.ValueFrom]));

    test('no container has a secret in its plain environment; the API and parser get the connection values as ECS secrets, under the original names', () => {
      for (const definition of containers) {
        const text = JSON.stringify(definition.Environment ?? []);
        expect(text).not.toMatch(/password|token|secretsmanager|resolve:|_URL":"(postgres|redis)/i);
      }
      expect(Object.keys(secretsOf('api')).sort()).toEqual(['DATABASE_PASSWORD', 'DATABASE_READ_URL', 'DATABASE_URL', 'DATABASE_USER']);
      expect(Object.keys(secretsOf('parser')).sort()).toEqual(['REDIS_PASSWORD', 'REDIS_URL']);
      expect(container('web').Secrets).toBeUndefined();
      // Each value is the key of the same name in its own kind's secret: the API's execution role can read
      // no Redis token, the parser's no database password, and neither the master user's.
      for (const [service, kind] of [
        ['api', 'Database'],
        ['parser', 'Redis'],
      ]) {
        for (const [name, valueFrom] of Object.entries(secretsOf(service))) {
          expect(valueFrom).toEqual({ 'Fn::Join': ['', [{ Ref: valuesOf(kind) }, `:${name}::`]] });
        }
      }
    });

    test("each execution role reads its own kind's secret and no other; the migration task's reads the migration values", () => {
      const all = template.toJSON().Resources as Resources;
      const readsOf = (roleIdPrefix: string) => {
        const [, role] = Object.entries(all).find(([id, resource]) => id.startsWith(roleIdPrefix) && resource.Type === 'AWS::IAM::Role')!;
        return (role.Properties.ManagedPolicyArns ?? [])
          .filter((arn: any) => arn.Ref)
          .flatMap((arn: { Ref: string }) => all[arn.Ref].Properties.PolicyDocument.Statement as any[])
          .filter((statement: any) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
          .flatMap((statement: any) => [statement.Resource].flat());
      };
      expect(readsOf('ApiExecutionRole')).toEqual([{ Ref: valuesOf('Database') }]);
      expect(readsOf('ParserExecutionRole')).toEqual([{ Ref: valuesOf('Redis') }]);
      expect(readsOf('WebExecutionRole')).toEqual([]);
      expect(readsOf('MigrationTaskExecutionRole')).toEqual([{ Ref: valuesOf('Migrations') }]);
      expect(Object.keys(secretsOf('migrations')).sort()).toEqual(['DATABASE_PASSWORD', 'DATABASE_URL', 'DATABASE_USER']);
    });

    test('the connection secret is written before any service starts, and again after each rotation', () => {
      const [written] = Object.entries(template.toJSON().Resources as Resources).find(
        ([, resource]) => resource.Type === 'Custom::ConnectionSecret',
      )!;
      const writtenProperties = template.toJSON().Resources[written].Properties;
      expect(JSON.stringify(writtenProperties.ServiceToken)).toContain(refreshId);
      // What the values are made of, as CloudFormation resolves it: a replaced endpoint reruns the write.
      for (const name of ['PROXY_ADDRESS', 'READER_ADDRESS', 'REDIS_HOST', 'SERVICES'])
        expect(writtenProperties[name]).toEqual(refresh.Properties.Environment.Variables[name]);
      for (const name of SERVICES) expect(service(name).DependsOn).toContain(written);
      // It looks the services up in the cluster (to restart them when a value changes).
      const [clusterId] = Object.keys(resources(template, 'AWS::ECS::Cluster'));
      expect((template.toJSON().Resources[written] as { DependsOn?: string[] }).DependsOn).toContain(clusterId);
      const rules = Object.values(resources(template, 'AWS::Events::Rule')).filter(
        (rule) => rule.Properties.EventPattern?.source?.[0] === 'aws.secretsmanager',
      );
      expect(rules.map((rule) => rule.Properties.EventPattern['detail-type'][0]).sort()).toEqual([
        'AWS Service Event via CloudTrail',
        'Secret Label Updated',
      ]);
      for (const rule of rules) {
        const watched = JSON.stringify(rule.Properties.EventPattern);
        expect(watched).toMatch(/AppCredentialsSecret/);
        expect(watched).toMatch(/JobQueueAuthToken/);
        expect(watched).not.toMatch(/Database\w*Secret|LoginSecret/);
        expect(JSON.stringify(rule.Properties.Targets)).toContain(refreshId);
        expect(rule.Properties.Targets[0].DeadLetterConfig).toBeDefined();
      }
    });

    test("the app's credentials and the Redis token rotate on schedules that start last, once the services and the refresh rules exist", () => {
      const all = template.toJSON().Resources as Resources;
      const schedules = Object.entries(resources(template, 'AWS::SecretsManager::RotationSchedule'));
      expect(schedules).toHaveLength(2);
      const byName = (pattern: RegExp) => schedules.find(([, schedule]) => pattern.test(JSON.stringify(schedule.Properties.SecretId)))!;
      const [, app] = byName(/AppCredentialsSecret/);
      const [, token] = byName(/JobQueueAuthToken/);
      expect(JSON.stringify(app.Properties.RotationLambdaARN)).toMatch(/AppCredentialsRotationFunction/);
      expect(JSON.stringify(token.Properties.RotationLambdaARN)).toMatch(/RedisTokenRotationFunction/);
      // Within the first hour of the day (a rate() window starts at midnight UTC), clear of backups and maintenance.
      expect(app.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)', Duration: '1h' });
      expect(token.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)', Duration: '1h' });
      // A changed rate must not rotate in the middle of a deploy.
      expect([app, token].map((schedule) => schedule.Properties.RotateImmediatelyOnUpdate)).toEqual([false, false]);
      const ids = (type: string) =>
        Object.entries(all)
          .filter(([, resource]) => resource.Type === type)
          .map(([id]) => id);
      for (const [, schedule] of schedules) {
        for (const id of [
          ...ids('AWS::ECS::Service'),
          ...ids('Custom::ConnectionSecret'),
          ...ids('AWS::Events::Rule').filter((id) => id.startsWith('ConnectionsAfterRotation')),
        ]) {
          expect(schedule.DependsOn).toContain(id);
        }
      }
    });

    test("the refresh function restarts only this environment's API and parser, and reads only the credentials it joins", () => {
      const services = JSON.parse(refresh.Properties.Environment.Variables.SERVICES);
      expect(services).toEqual({ database: [`cs2analytics-${variant}-api`], redis: [`cs2analytics-${variant}-parser`] });
      const all = template.toJSON().Resources as Resources;
      const role = all[refresh.Properties.Role['Fn::GetAtt'][0]];
      const statements = (role.Properties.ManagedPolicyArns as { Ref: string }[]).flatMap(
        (arn) => all[arn.Ref].Properties.PolicyDocument.Statement as any[],
      );
      // One statement per service: a restart names no task definition, or only the service's own family.
      const updates = statements.filter((statement) => [statement.Action].flat().includes('ecs:UpdateService'));
      expect(updates).toHaveLength(2);
      for (const [update, name] of [
        [updates[0], 'api'],
        [updates[1], 'parser'],
      ]) {
        expect(JSON.stringify(update.Resource)).toContain(`service/cs2analytics-${variant}/cs2analytics-${variant}-${name}"`);
        expect(JSON.stringify(update.Resource)).not.toContain('*');
        expect(JSON.stringify(update.Condition.ArnLikeIfExists['ecs:task-definition'])).toContain(
          `:task-definition/cs2analytics-${variant}-${name}:*`,
        );
      }
      const read = statements.filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'));
      expect(JSON.stringify(read)).not.toMatch(/DatabaseClusterSecret|DatabasePrimarySecret|\*/);
    });
  });

  test('API and parser mount the demo files through the access point, as its uid/gid; the parser has its scratch space', () => {
    for (const name of ['api', 'parser']) {
      const definition = taskDefinitionOf(name);
      expect(definition.Properties.Volumes).toContainEqual({
        Name: 'demo-files',
        EFSVolumeConfiguration: expect.objectContaining({
          TransitEncryption: 'ENABLED',
          AuthorizationConfig: expect.objectContaining({ IAM: 'ENABLED', AccessPointId: expect.anything() }),
        }),
      });
      expect(container(name).MountPoints).toContainEqual({ SourceVolume: 'demo-files', ContainerPath: '/mnt/demos', ReadOnly: false });
      expect(container(name).User).toBe(`${config.fileSystem.uid}:${config.fileSystem.gid}`);
    }
    const parser = taskDefinitionOf('parser');
    expect(parser.Properties.EphemeralStorage).toEqual({ SizeInGiB: config.services.parser.ephemeralStorageGiB });
    expect(container('parser').StopTimeout).toBe(config.services.parser.stopTimeoutSeconds);
  });

  test.each(SERVICES)(
    '%s: health check, read-only root (unless Exec is on), non-root user, memory limit, encrypted logs with retention',
    (name) => {
      const definition = container(name);
      // Exec form, no shell: the configured tool itself is the command.
      expect(definition.HealthCheck.Command.slice(0, 2)).toEqual(['CMD', HEALTH_CHECK_TOOLS[name]]);
      expect(definition.HealthCheck.Command.join(' ')).toContain(
        `http://127.0.0.1:${config.services[name].port}${config.services[name].healthCheckPath}`,
      );
      expect(definition).toMatchObject({ ReadonlyRootFilesystem: !config.services.execEnabled, Essential: true });
      expect({ Cpu: definition.Cpu, Memory: definition.Memory }).toEqual(APP_CONTAINER_SIZES[variant][name]);
      expect(definition.User).not.toMatch(/^0(:|$)|^root/);
      expect(definition.LogConfiguration.LogDriver).toBe('awslogs');
      const logGroupId = definition.LogConfiguration.Options['awslogs-group'].Ref;
      const logGroup = resources(template, 'AWS::Logs::LogGroup')[logGroupId];
      expect(logGroup.Properties).toMatchObject({ RetentionInDays: config.services.logRetentionDays, KmsKeyId: expect.anything() });
    },
  );

  test('runs only in the configured hours: scaled to zero at the stop hour and back to the minimum at the start', () => {
    const { runHours } = expected;
    for (const name of SERVICES) {
      const sizing = config.services[name];
      const targets = Object.entries(template.findResources('AWS::ApplicationAutoScaling::ScalableTarget')).filter(([id]) =>
        id.startsWith(`${name[0].toUpperCase()}${name.slice(1)}Service`),
      );
      expect(targets).toHaveLength(1);
      const actions = targets[0][1].Properties.ScheduledActions;
      if (!runHours) {
        expect(actions).toBeUndefined();
        continue;
      }
      expect(actions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Schedule: runHours.stop,
            ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 },
          }),
          expect.objectContaining({
            Schedule: runHours.start,
            ScalableTargetAction: { MinCapacity: sizing.minTasks, MaxCapacity: sizing.maxTasks },
          }),
        ]),
      );
      expect(actions).toHaveLength(2);
    }
  });

  test('autoscaling between the configured bounds: CPU everywhere, requests for web and API', () => {
    const targets = Object.values(resources(template, 'AWS::ApplicationAutoScaling::ScalableTarget'));
    expect(targets.map((target) => [target.Properties.MinCapacity, target.Properties.MaxCapacity]).sort()).toEqual(
      SERVICES.map((name) => [config.services[name].minTasks, config.services[name].maxTasks]).sort(),
    );
    const policies = Object.values(resources(template, 'AWS::ApplicationAutoScaling::ScalingPolicy')).map(
      (policy) => policy.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType,
    );
    expect(policies.filter((metric) => metric === 'ECSServiceAverageCPUUtilization')).toHaveLength(3);
    expect(policies.filter((metric) => metric === 'ALBRequestCountPerTarget')).toHaveLength(2);
  });

  test('roles: execution roles pull, read their secrets and log; task roles reach only the demo files (and Exec)', () => {
    // The one inline policy is the custom-resource framework's own, on its waiter's role (acknowledged there).
    const inline = Object.values(resources(template, 'AWS::IAM::Policy'));
    // Every environment runs the migrations at deploy (migrations.enabled).
    expect(inline.map((policy) => JSON.stringify(policy.Properties.Roles))).toEqual([
      expect.stringMatching(/MigrationsProviderwaiterstatemachineRole/),
    ]);
    const policies = Object.entries(resources(template, 'AWS::IAM::ManagedPolicy'));
    const statementsOf = (prefix: string) =>
      policies.filter(([id]) => id.startsWith(prefix)).flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as any[]);
    const apiExecution = statementsOf('ApiExecutionRole').flatMap((statement) => [statement.Action].flat());
    expect(apiExecution.sort()).toEqual(
      [
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:GetAuthorizationToken',
        'ecr:GetDownloadUrlForLayer',
        'kms:Decrypt',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    const apiTask = statementsOf('ApiTaskRole');
    expect(apiTask[0]).toMatchObject({
      Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
      Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': expect.anything() } },
    });
    const webTask = statementsOf('WebTaskRole').flatMap((statement) => [statement.Action].flat());
    expect(webTask.some((action) => action.startsWith('elasticfilesystem'))).toBe(false);
  });

  test('outputs, under readable names, what operators and the commands need: the URL, the cluster, what run-task needs, the log groups', () => {
    // PublishOutput* are CDK's cross-stack references, not ours.
    const ours = (outputs: object) =>
      Object.keys(outputs)
        .filter((name) => !name.startsWith('PublishOutput'))
        .sort();
    expect(ours(template.toJSON().Outputs)).toEqual([
      'ApiCapacityProvider',
      'ApiImage',
      'ApiLogGroupName',
      'ApiSecurityGroupId',
      'ApiServiceName',
      'ClusterName',
      'ConnectionRefreshFunctionName',
      'MigrationContainerName',
      'MigrationTaskDefinitionFamily',
      'ParserImage',
      'ParserLogGroupName',
      'ParserServiceName',
      'Url',
      'WebImage',
      'WebLogGroupName',
      'WebServiceName',
    ]);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.MigrationTaskDefinitionFamily.Value).toBe(`cs2analytics-${variant}-migrations`);
    expect(outputs.MigrationContainerName.Value).toBe('migrations');
    expect(outputs.ApiCapacityProvider.Value).toBe(expected.capacityProviders.api);
    expect(Object.keys(templateOf(variant, 'Network').toJSON().Outputs ?? {}).filter((name) => !name.startsWith('PublishOutput'))).toEqual([
      'PrivateSubnetIds',
    ]);
    expect(ours(templateOf(variant, 'Registry').toJSON().Outputs)).toEqual(['ApiRepositoryUri', 'ParserRepositoryUri', 'WebRepositoryUri']);
  });
});
