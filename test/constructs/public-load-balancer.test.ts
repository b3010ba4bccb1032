/**
 * PublicLoadBalancer alone, in a bare stack: the WAF's rate limit and its oversized-body rule (blocked
 * everywhere but the API's path, which it reads from the listener's rules), and who may write the access
 * logs.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { LoadBalancerSettings } from '../../lib/config/schema';
import { pathPatternsRegex, PublicLoadBalancer, type PublicLoadBalancerProps } from '../../lib/constructs/public-load-balancer';

const ACCOUNT = '111111111111';
const SETTINGS: LoadBalancerSettings = {
  allowPlainHttp: true,
  idleTimeoutSeconds: 600,
  waf: true,
  deletionProtection: false,
  accessLogRetentionDays: 30,
};

function build(options: { paths?: string[]; props?: Partial<PublicLoadBalancerProps> } = {}) {
  const app = new App({ builtinCloudFormationValidation: false, context: { '@aws-cdk/core:enablePartitionLiterals': true } });
  const stack = new Stack(app, 'Bare', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 0 });
  const alb = new PublicLoadBalancer(stack, 'LoadBalancer', {
    envName: 'bare',
    vpc,
    subnets: { subnetType: ec2.SubnetType.PUBLIC },
    settings: SETTINGS,
    wafNames: { webAcl: 'bare', logGroupPrefix: 'aws-waf-logs-bare-', logDeliveryPolicy: 'bare-waf-log-delivery' },
    logsKey: new kms.Key(stack, 'LogsKey'),
    logRetentionDays: 30,
    ...options.props,
  });
  alb.listener.addAction('Default', { action: elbv2.ListenerAction.fixedResponse(404) });
  (options.paths ?? []).forEach((path, index) =>
    alb.listener.addAction(`Path${index}`, {
      priority: 10 + index,
      conditions: [elbv2.ListenerCondition.pathPatterns([path])],
      action: elbv2.ListenerAction.fixedResponse(200),
    }),
  );
  return Template.fromStack(stack);
}

const rulesOf = (template: Template): any[] => Object.values(template.findResources('AWS::WAFv2::WebACL'))[0].Properties.Rules;
const oversized = { LabelMatchStatement: { Key: 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body', Scope: 'LABEL' } };
const exceptPaths = (regex: string) => ({
  AndStatement: {
    Statements: [
      oversized,
      {
        NotStatement: {
          Statement: {
            RegexMatchStatement: {
              FieldToMatch: { UriPath: {} },
              RegexString: regex,
              TextTransformations: [{ Priority: 0, Type: 'NONE' }],
            },
          },
        },
      },
    ],
  },
});

describe('PublicLoadBalancer WAF', () => {
  test('a per-IP rate limit first, blocking 2000 requests in five minutes', () => {
    const [rate, ...others] = rulesOf(build({ paths: ['/api/*'] }));
    expect(rate).toMatchObject({
      Name: 'RateLimitPerIp',
      Priority: 0,
      Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: 2000, EvaluationWindowSec: 300, AggregateKeyType: 'IP' } },
    });
    expect(others.map((rule) => [rule.Priority, rule.Name])).toEqual([
      [1, 'AWSManagedRulesCommonRuleSet'],
      [2, 'AWSManagedRulesKnownBadInputsRuleSet'],
      [3, 'AWSManagedRulesAmazonIpReputationList'],
      [4, 'BlockOversizedBodiesOutsideUploads'],
    ]);
  });

  test("the core rule set only labels oversized bodies; the last rule blocks them on every path but the API's", () => {
    const rules = rulesOf(build({ paths: ['/api/*'] }));
    const common = rules.find((rule) => rule.Name === 'AWSManagedRulesCommonRuleSet');
    expect(common.Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([
      { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
    ]);
    const block = rules.find((rule) => rule.Name === 'BlockOversizedBodiesOutsideUploads');
    expect(block.Action).toEqual({ Block: {} });
    expect(block.Statement).toEqual(exceptPaths('^/api/.*$'));
  });

  test('upload paths given outright win over the listener; no path rule at all blocks oversized bodies everywhere', () => {
    const given = rulesOf(build({ paths: ['/api/*'], props: { largeBodyPathPatterns: ['/upload', '/api/demos/*'] } }));
    expect(given.find((rule) => rule.Name === 'BlockOversizedBodiesOutsideUploads').Statement).toEqual(
      exceptPaths('^/api/demos/.*$|^/upload$'),
    );
    const none = rulesOf(build());
    expect(none.find((rule) => rule.Name === 'BlockOversizedBodiesOutsideUploads').Statement).toEqual(oversized);
  });

  test('ALB path patterns become anchored WAF regexes, regex characters escaped', () => {
    expect(pathPatternsRegex(['/api/*'])).toBe('^/api/.*$');
    expect(pathPatternsRegex(['/v?/files.json', '/a+b/*'])).toBe('^/a\\+b/.*$|^/v./files\\.json$');
    expect(() => pathPatternsRegex([])).toThrow(/no path pattern/);
  });
});

describe('PublicLoadBalancer access logs', () => {
  test("only the region's ELB account writes, under this account's folder; no delivery.logs statement", () => {
    const template = build({ paths: ['/api/*'] });
    const [policy] = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    const allows = policy.Properties.PolicyDocument.Statement.filter((statement: any) => statement.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Sid: 'AllowLoadBalancerAccessLogs',
        Action: 's3:PutObject',
        Effect: 'Allow',
        // eu-west-1's Elastic Load Balancing account (ELB user guide, "Enable access logs").
        Principal: { AWS: 'arn:aws:iam::156460612806:root' },
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^LoadBalancerAccessLogs/), 'Arn'] }, `/alb/AWSLogs/${ACCOUNT}/*`]],
        },
      },
    ]);
    expect(JSON.stringify(policy)).not.toContain('delivery.logs.amazonaws.com');
    const [balancer] = Object.entries(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
    // ELB checks that it may write when logging is turned on: the policy exists first.
    expect(balancer[1].DependsOn).toContain(Object.keys(template.findResources('AWS::S3::BucketPolicy'))[0]);
  });

  test("WAF's log delivery: this account's CloudWatch Logs delivery only", () => {
    const [policy] = Object.values(build({ paths: ['/api/*'] }).findResources('AWS::Logs::ResourcePolicy'));
    // The document is a JSON string joined around the log group's ARN: its literal parts, with the ARN left out.
    const document = policy.Properties.PolicyDocument['Fn::Join'][1]
      .map((part: unknown) => (typeof part === 'string' ? part : ''))
      .join('');
    const [statement] = JSON.parse(document).Statement;
    expect(statement.Principal).toEqual({ Service: 'delivery.logs.amazonaws.com' });
    expect(statement.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:logs:eu-west-1:${ACCOUNT}:*` },
    });
  });
});
