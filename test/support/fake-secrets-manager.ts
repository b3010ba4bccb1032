import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import * as crypto from 'crypto';

interface Version {
  value: string;
  stages: string[];
  created: Date;
}

/**
 * Secrets Manager faked at the SDK client boundary, with its version-stage rules: a new value
 * becomes AWSCURRENT (the old one AWSPREVIOUS) unless stages are given; a label given to a version
 * leaves the others; a rotation starts by registering a version id under AWSPENDING with no value,
 * and is refused while another version is still pending; moving AWSCURRENT moves AWSPREVIOUS too.
 */
export class FakeSecretsManager {
  readonly client = new SecretsManagerClient({ region: 'eu-west-1' });
  readonly mock = mockClient(SecretsManagerClient);
  private readonly secrets = new Map<string, Map<string, Version>>();
  /** Calls to make fail once: `PutSecretValue:<secret>`, `GetSecretValue:<secret>`. */
  readonly failOnce = new Set<string>();
  /** Something that happens once just before a call (another process acting meanwhile): `PutSecretValue:<secret>`. */
  readonly beforeOnce = new Map<string, () => void | Promise<void>>();

  constructor() {
    this.mock.on(DescribeSecretCommand).callsFake(async ({ SecretId }) => ({
      ARN: SecretId,
      RotationEnabled: true,
      VersionIdsToStages: Object.fromEntries([...this.versions(SecretId)].map(([id, version]) => [id, [...version.stages]])),
    }));
    this.mock.on(GetSecretValueCommand).callsFake(async ({ SecretId, VersionId, VersionStage }) => {
      await this.maybeFail(`GetSecretValue:${SecretId}`);
      const stage = VersionStage ?? (VersionId ? undefined : 'AWSCURRENT');
      const found = [...this.versions(SecretId)].find(
        ([id, version]) => (!VersionId || id === VersionId) && (!stage || version.stages.includes(stage)),
      );
      if (!found || found[1].value === undefined)
        throw Object.assign(new Error(`Secrets Manager can't find the specified secret value`), { name: 'ResourceNotFoundException' });
      return { ARN: SecretId, VersionId: found[0], SecretString: found[1].value, CreatedDate: found[1].created };
    });
    // As Secrets Manager lists them: unlabelled (deprecated) versions only when asked for.
    this.mock.on(ListSecretVersionIdsCommand).callsFake(async ({ SecretId, IncludeDeprecated }) => ({
      ARN: SecretId,
      Versions: [...this.versions(SecretId)]
        .filter(([, version]) => IncludeDeprecated || version.stages.length > 0)
        .map(([id, version]) => ({
          VersionId: id,
          VersionStages: [...version.stages],
          CreatedDate: version.created,
        })),
    }));
    this.mock.on(PutSecretValueCommand).callsFake(async ({ SecretId, ClientRequestToken, SecretString, VersionStages }) => {
      await this.maybeFail(`PutSecretValue:${SecretId}`);
      const versions = this.versions(SecretId);
      const id = ClientRequestToken ?? crypto.randomUUID();
      const existing = versions.get(id);
      if (existing?.value !== undefined && existing.value !== SecretString)
        throw new Error('a version with this token exists with another value');
      const stages = VersionStages ?? ['AWSCURRENT'];
      if (stages.includes('AWSCURRENT')) this.moveCurrent(SecretId, id);
      // A label names one version at a time: given to this one, it leaves the others.
      for (const [other, version] of versions)
        if (other !== id) version.stages = version.stages.filter((stage) => stage === 'AWSPREVIOUS' || !stages.includes(stage));
      versions.set(id, { value: SecretString!, stages: [...new Set([...(existing?.stages ?? []), ...stages])], created: new Date() });
      return { ARN: SecretId, VersionId: id };
    });
    this.mock.on(UpdateSecretVersionStageCommand).callsFake(async ({ SecretId, VersionStage, MoveToVersionId, RemoveFromVersionId }) => {
      if (!MoveToVersionId && RemoveFromVersionId) {
        const version = this.versions(SecretId).get(RemoveFromVersionId);
        if (!version?.stages.includes(VersionStage!)) throw new Error(`${VersionStage} is not on version ${RemoveFromVersionId}`);
        version.stages = version.stages.filter((stage) => stage !== VersionStage);
        return { ARN: SecretId };
      }
      if (VersionStage !== 'AWSCURRENT') throw new Error('only AWSCURRENT moves here');
      this.moveCurrent(SecretId, MoveToVersionId!);
      const target = this.versions(SecretId).get(MoveToVersionId!)!;
      target.stages = [...new Set([...target.stages.filter((stage) => stage !== 'AWSPENDING'), 'AWSCURRENT'])];
      return { ARN: SecretId };
    });
    this.mock.on(GetRandomPasswordCommand).callsFake(async ({ ExcludePunctuation, PasswordLength }) => {
      const alphabet = ExcludePunctuation
        ? 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
        : 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_.';
      return { RandomPassword: Array.from(crypto.randomBytes(PasswordLength ?? 32), (byte) => alphabet[byte % alphabet.length]).join('') };
    });
  }

  /** Creates a secret with a current value. */
  create(secretId: string, value: unknown): void {
    this.secrets.set(
      secretId,
      new Map([[crypto.randomUUID(), { value: JSON.stringify(value), stages: ['AWSCURRENT'], created: new Date() }]]),
    );
  }

  /** What Secrets Manager does when a rotation starts: a new version id under AWSPENDING, no value yet. */
  startRotation(secretId: string): string {
    // RotateSecret's refusal while an earlier rotation left its pending version behind.
    if (
      [...this.versions(secretId).values()].some(
        (version) => version.stages.includes('AWSPENDING') && !version.stages.includes('AWSCURRENT'),
      )
    )
      throw Object.assign(new Error("A previous rotation isn't complete. That rotation will be reattempted."), {
        name: 'InvalidRequestException',
      });
    const token = crypto.randomUUID();
    this.versions(secretId).set(token, { value: undefined as unknown as string, stages: ['AWSPENDING'], created: new Date() });
    return token;
  }

  current<T>(secretId: string): T {
    return this.stage<T>(secretId, 'AWSCURRENT')!;
  }

  stage<T>(secretId: string, stage: string): T | undefined {
    const version = [...this.versions(secretId).values()].find((candidate) => candidate.stages.includes(stage));
    return version?.value === undefined ? undefined : (JSON.parse(version.value) as T);
  }

  reset(): void {
    this.mock.restore();
  }

  private versions(secretId: string): Map<string, Version> {
    const versions = this.secrets.get(secretId);
    if (!versions) throw Object.assign(new Error(`no secret ${secretId}`), { name: 'ResourceNotFoundException' });
    return versions;
  }

  private moveCurrent(secretId: string, to: string): void {
    for (const [id, version] of this.versions(secretId)) {
      version.stages = version.stages.filter((stage) => stage !== 'AWSPREVIOUS');
      if (version.stages.includes('AWSCURRENT') && id !== to)
        version.stages = [...version.stages.filter((stage) => stage !== 'AWSCURRENT'), 'AWSPREVIOUS'];
    }
  }

  private async maybeFail(call: string): Promise<void> {
    const before = this.beforeOnce.get(call);
    if (before) {
      this.beforeOnce.delete(call);
      await before();
    }
    if (this.failOnce.delete(call)) throw Object.assign(new Error(`injected failure of ${call}`), { name: 'InternalServiceError' });
  }
}
