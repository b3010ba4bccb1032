import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
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
  /** Encrypts the WAF logs. */
  readonly logsKey: kms.IKey;
  readonly logRetentionDays: number;
}

/**
 * The only way in from the internet: an Application Load Balancer in the public subnets. With a
 * domain: HTTPS on 443 with a DNS-validated ACM certificate and an alias record, HTTP redirected to
 * HTTPS. Without one (dev): plain HTTP, which the config must allow explicitly. Access logs to a
 * retained, encrypted bucket; optionally an AWS WAF web ACL of AWS managed rule groups, logged.
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
    acknowledge(
      securityGroup,
      'AwsSolutions::AwsSolutions-EC23',
      'The internet-facing load balancer must accept the internet on 80/443; it is the only group open to it',
    );

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
    this.loadBalancer.logAccessLogs(accessLogs, 'alb');

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
      acknowledge(
        redirect,
        'NIST.800.53.R5::NIST.800.53.R5-ELBv2ACMCertificateRequired',
        'This listener only answers every plain-HTTP request with a permanent redirect to HTTPS on 443; it serves no content',
      );
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
      const plainHttp =
        `${envName} serves plain HTTP by config (loadBalancer.allowPlainHttp, no loadBalancer.domainName): an ` +
        'environment without a domain has no certificate; every environment with a domain redirects to HTTPS';
      for (const rule of [
        'NIST.800.53.R5::NIST.800.53.R5-ALBHttpToHttpsRedirection',
        'NIST.800.53.R5::NIST.800.53.R5-ELBv2ACMCertificateRequired',
        'cdk-validator-cfnguard::alb_http_to_https_redirection_check',
      ]) {
        acknowledge(this.listener, rule, plainHttp);
      }
      this.url = `http://${this.loadBalancer.loadBalancerDnsName}`;
    }

    if (!settings.deletionProtection) {
      for (const rule of [
        'NIST.800.53.R5::NIST.800.53.R5-ELBDeletionProtectionEnabled',
        'cdk-validator-cfnguard::elbv2_deletion_protection_enabled_check',
      ]) {
        acknowledge(
          this.loadBalancer,
          rule,
          `${envName} lets the load balancer be deleted with its stack by config (loadBalancer.deletionProtection); prod protects it`,
        );
      }
    }

    if (settings.waf) {
      this.addWebAcl(props);
    } else {
      acknowledge(
        this.loadBalancer,
        'NIST.800.53.R5::NIST.800.53.R5-ALBWAFEnabled',
        `${envName} runs without a WAF web ACL by config (loadBalancer.waf) to save its monthly cost; staging and prod have one`,
      );
    }
  }

  private addWebAcl(props: PublicLoadBalancerProps): void {
    const managed = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList'];
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: name });
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `cs2analytics-${props.envName}`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric(`cs2analytics-${props.envName}`),
      rules: managed.map((name, priority) => ({
        name,
        priority,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name,
            // Demo uploads are large: the common rule set's 8 KB body limit would block them.
            ...(name === 'AWSManagedRulesCommonRuleSet'
              ? { ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }] }
              : {}),
          },
        },
        visibilityConfig: metric(name),
      })),
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.loadBalancer.loadBalancerArn,
      webAclArn: webAcl.attrArn,
    });
    // WAF writes only to log groups named aws-waf-logs-* (given by an ARN without the trailing :*). The
    // web ACL's id makes the name new with every web ACL: the group is retained, and turning WAF off
    // and on again must not collide with the one left behind.
    const wafLogGroupName = `aws-waf-logs-cs2analytics-${props.envName}-${webAcl.attrId}`;
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
      resourcePolicyName: `cs2analytics-${props.envName}-waf-log-delivery`,
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
