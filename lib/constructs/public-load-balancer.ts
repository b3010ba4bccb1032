import { ArnFormat, CfnResource, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { createAccessLogBucket } from './access-log-bucket';
import type { LoadBalancerSettings } from '../config/schema';
import { configuredLogGroup } from './retention';

export interface PublicLoadBalancerProps {
  readonly envName: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly settings: LoadBalancerSettings;
  /**
   * What the WAF's resources are named (with `settings.waf`): the web ACL (and its metric), the prefix
   * of its log groups (WAF writes only to groups named `aws-waf-logs-*`; the web ACL's id completes
   * the name) and the log-delivery resource policy.
   * @default - none: required with `settings.waf`
   */
  readonly wafNames?: { readonly webAcl: string; readonly logGroupPrefix: string; readonly logDeliveryPolicy: string };
  /** Encrypts the WAF logs. */
  readonly logsKey: kms.IKey;
  readonly logRetentionDays: number;
  /**
   * ALB path patterns whose requests may carry bodies over the 8 KB the WAF's core rule set allows:
   * the API's, where demos are uploaded. Oversized bodies are blocked on every other path.
   * @default - the path patterns of the listener's rules (the API's, services.apiPathPattern), read at synthesis
   */
  readonly largeBodyPathPatterns?: readonly string[];
}

/** Requests one client IP may send in five minutes before the WAF blocks it (a rate-based rule). */
export const WAF_REQUESTS_PER_IP_PER_5_MINUTES = 2000;

/**
 * The label the core rule set's SizeRestrictions_BODY rule adds to a request whose body exceeds 8 KB
 * (AWS WAF developer guide, "Core rule set (CRS) managed rule group", labels).
 */
export const OVERSIZED_BODY_LABEL = 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body';

/**
 * A WAF regular expression matching the URI paths of ALB path patterns (`*`: any characters, `?`: one),
 * whole paths, one alternative per pattern (WAF regexes have no capturing groups).
 */
export function pathPatternsRegex(patterns: readonly string[]): string {
  if (patterns.length === 0) throw new Error('pathPatternsRegex: no path pattern');
  const one = (pattern: string) =>
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`;
  return [...new Set(patterns)].sort().map(one).join('|');
}

/**
 * The only way in from the internet: an Application Load Balancer in the public subnets. With a
 * domain: HTTPS on 443 with a DNS-validated ACM certificate and an alias record, HTTP redirected to
 * HTTPS. Without one (dev): plain HTTP, which the config must allow explicitly. Access logs to a
 * retained, encrypted bucket; optionally an AWS WAF web ACL, logged: a per-IP rate limit, AWS managed
 * rule groups, and oversized bodies blocked everywhere but on the upload paths.
 */
export class PublicLoadBalancer extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The listener services attach to (HTTPS, or HTTP where plain HTTP is allowed). */
  readonly listener: elbv2.ApplicationListener;
  readonly url: string;

  constructor(scope: Construct, id: string, props: PublicLoadBalancerProps) {
    super(scope, id);
    const { settings, envName } = props;
    const https = settings.domainName !== undefined && settings.hostedZoneId !== undefined;

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `CS2 Analytics ${envName} load balancer: HTTP(S) from the internet`,
      allowAllOutbound: false,
    });
    securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), https ? 'HTTP, redirected to HTTPS' : 'HTTP');
    if (https) securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS');
    acknowledge(securityGroup, {
      reason: 'The internet-facing load balancer must accept the internet on 80/443; it is the only group open to it',
      rules: { AwsSolutions: ['AwsSolutions-EC23'] },
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      internetFacing: true,
      securityGroup,
      idleTimeout: Duration.seconds(settings.idleTimeoutSeconds),
      deletionProtection: settings.deletionProtection,
      dropInvalidHeaderFields: true,
    });

    const accessLogs = createAccessLogBucket(this, 'AccessLogs', {
      logsOf: 'the load balancer',
      expirationDays: settings.accessLogRetentionDays,
    });
    this.logAccessLogs(accessLogs, 'alb');

    if (https) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: settings.hostedZoneId!,
        zoneName: settings.domainName!.split('.').slice(1).join('.'),
      });
      const certificate = new acm.Certificate(this, 'Certificate', {
        domainName: settings.domainName!,
        validation: acm.CertificateValidation.fromDns(zone),
      });
      this.listener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
      });
      const redirect = this.loadBalancer.addListener('HttpRedirect', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
      acknowledge(redirect, {
        reason: 'This listener only answers every plain-HTTP request with a permanent redirect to HTTPS on 443; it serves no content',
        rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-ELBv2ACMCertificateRequired'] },
      });
      new route53.ARecord(this, 'AliasRecord', {
        zone,
        recordName: settings.domainName!,
        target: route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(this.loadBalancer)),
      });
      this.url = `https://${settings.domainName}`;
    } else {
      this.listener = this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
      });
      acknowledge(this.listener, {
        reason:
          `${envName} serves plain HTTP by config (loadBalancer.allowPlainHttp, no loadBalancer.domainName): an ` +
          'environment without a domain has no certificate; every environment with a domain redirects to HTTPS',
        rules: {
          'NIST.800.53.R5': ['NIST.800.53.R5-ALBHttpToHttpsRedirection', 'NIST.800.53.R5-ELBv2ACMCertificateRequired'],
          'cdk-validator-cfnguard': ['alb_http_to_https_redirection_check'],
        },
      });
      this.url = `http://${this.loadBalancer.loadBalancerDnsName}`;
    }

    if (!settings.deletionProtection) {
      acknowledge(this.loadBalancer, {
        reason: `${envName} lets the load balancer be deleted with its stack by config (loadBalancer.deletionProtection); prod protects it`,
        rules: {
          'NIST.800.53.R5': ['NIST.800.53.R5-ELBDeletionProtectionEnabled'],
          'cdk-validator-cfnguard': ['elbv2_deletion_protection_enabled_check'],
        },
      });
    }

    if (settings.waf) {
      this.addWebAcl(props);
    } else {
      acknowledge(this.loadBalancer, {
        reason: `${envName} runs without a WAF web ACL by config (loadBalancer.waf) to save its monthly cost; staging and prod have one`,
        rules: { 'NIST.800.53.R5': ['NIST.800.53.R5-ALBWAFEnabled'] },
      });
    }
  }

  /**
   * Access logs to `bucket` under `prefix`, written by Elastic Load Balancing as the ELB account of the
   * region (regions opened before August 2022, eu-west-1 among them) or the
   * logdelivery.elasticloadbalancing.amazonaws.com principal (later ones): ELB user guide, "Enable access
   * logs for your Application Load Balancer". Written here rather than with `logAccessLogs`, which also
   * admits delivery.logs.amazonaws.com (the log-delivery service of Network Load Balancer TLS logs,
   * which an ALB never uses) with no source condition. The objects may only land under
   * `<prefix>/AWSLogs/<this account>/`: a load balancer of another account that names this bucket
   * writes under its own account's folder, which no statement allows.
   */
  private logAccessLogs(bucket: s3.Bucket, prefix: string): void {
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) {
      throw new Error(`${this.node.path}: access logs need the stack's region (its load balancer account)`);
    }
    this.loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
    this.loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
    this.loadBalancer.setAttribute('access_logs.s3.prefix', prefix);
    const elbAccount = RegionInfo.get(stack.region).elbv2Account;
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowLoadBalancerAccessLogs',
        principals: [
          elbAccount ? new iam.AccountPrincipal(elbAccount) : new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com'),
        ],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`${prefix}/AWSLogs/${stack.account}/*`)],
      }),
    );
    // ELB checks that it may write when logging is turned on: the bucket policy first.
    (this.loadBalancer.node.defaultChild as CfnResource).addResourceDependency(bucket.policy!.node.defaultChild as CfnResource);
  }

  /** The path patterns of the listener's rules, sorted: where the API (and its uploads) is routed. */
  private listenerPathPatterns(): string[] {
    const stack = Stack.of(this);
    const patterns: string[] = [];
    for (const child of this.listener.node.findAll()) {
      if (!(child instanceof elbv2.CfnListenerRule)) continue;
      // As aws-cdk-lib renders ListenerCondition.pathPatterns: { field: 'path-pattern', pathPatternConfig: { values } }.
      const conditions = (stack.resolve(child.conditions) ?? []) as elbv2.CfnListenerRule.RuleConditionProperty[];
      for (const condition of conditions) {
        if (condition.field !== 'path-pattern') continue;
        const config = condition.pathPatternConfig as elbv2.CfnListenerRule.PathPatternConfigProperty | undefined;
        patterns.push(...(config?.values ?? condition.values ?? []));
      }
    }
    return [...new Set(patterns)].sort();
  }

  private addWebAcl(props: PublicLoadBalancerProps): void {
    const names = props.wafNames;
    if (!names) throw new Error(`${this.node.path}: wafNames is required with settings.waf`);
    const managed = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList'];
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: name });
    // Oversized bodies are blocked by the rule after the groups, on every path but the upload paths.
    const largeBodyPaths = () => props.largeBodyPathPatterns ?? this.listenerPathPatterns();
    const oversizedBody = { labelMatchStatement: { scope: 'LABEL', key: OVERSIZED_BODY_LABEL } };
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: names.webAcl,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric(names.webAcl),
      rules: [
        // First, so that a flood is turned away before the other rules are evaluated for it.
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: WAF_REQUESTS_PER_IP_PER_5_MINUTES, evaluationWindowSec: 300, aggregateKeyType: 'IP' },
          },
          visibilityConfig: metric('RateLimitPerIp'),
        },
        ...managed.map((name, index) => ({
          name,
          priority: index + 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name,
              // Demo uploads are large: the common rule set's 8 KB body limit only labels here, and
              // BlockOversizedBodiesOutsideUploads blocks on the label everywhere uploads do not go.
              ...(name === 'AWSManagedRulesCommonRuleSet'
                ? { ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }] }
                : {}),
            },
          },
          visibilityConfig: metric(name),
        })),
        {
          name: 'BlockOversizedBodiesOutsideUploads',
          priority: managed.length + 1,
          action: { block: {} },
          statement: Lazy.any({
            produce: () => {
              const paths = largeBodyPaths();
              if (paths.length === 0) return oversizedBody;
              const uploads = {
                regexMatchStatement: {
                  regexString: pathPatternsRegex(paths),
                  fieldToMatch: { uriPath: {} },
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              };
              return { andStatement: { statements: [oversizedBody, { notStatement: { statement: uploads } }] } };
            },
          }),
          visibilityConfig: metric('BlockOversizedBodiesOutsideUploads'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.loadBalancer.loadBalancerArn,
      webAclArn: webAcl.attrArn,
    });
    // WAF writes only to log groups named aws-waf-logs-* (given by an ARN without the trailing :*). The
    // web ACL's id makes the name new with every web ACL: the group is retained, and turning WAF off
    // and on again must not collide with the one left behind.
    const wafLogGroupName = `${names.logGroupPrefix}${webAcl.attrId}`;
    const wafLogs = configuredLogGroup(this, 'WafLogs', {
      logGroupName: wafLogGroupName,
      envName: props.envName,
      retentionField: 'services.logRetentionDays',
      retentionDays: props.logRetentionDays,
      encryptionKey: props.logsKey,
      retain: true,
    });
    // WAF delivers through CloudWatch Logs' log-delivery service, which a log-group resource policy
    // must admit. WAF would write one itself on first use (into the account's shared, size-limited
    // policy); written here it is part of the template, reviewed and removed with the stack.
    const stack = Stack.of(this);
    const delivery = new logs.ResourcePolicy(this, 'WafLogDelivery', {
      resourcePolicyName: names.logDeliveryPolicy,
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${wafLogs.logGroupArn}`],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }) },
          },
        }),
      ],
    });
    new wafv2.CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: webAcl.attrArn,
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: wafLogGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }).node.addDependency(wafLogs, delivery);
  }
}
