import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

// The GitHub workflows cannot run here; this keeps them consistent with pulumi/actions'
// documented inputs (action.yml) and with the stacks the project has.
const PULUMI_ACTION_INPUTS = new Set([
  "command", "stack-name", "work-dir", "comment-on-pr", "github-token", "cloud-url", "secrets-provider", "parallel",
  "message", "config-map", "expect-no-changes", "diff", "replace", "target", "target-dependents", "policyPacks",
  "policyPackConfigs", "refresh", "upsert", "edit-pr-comment", "color",
]);

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { needs?: string | string[]; environment?: string; steps: Step[]; strategy?: { matrix?: { stack?: string[] } }; permissions?: Record<string, string> };
const load = (file: string) => parse(fs.readFileSync(path.join(__dirname, "..", ".github", "workflows", file), "utf8")) as { on: unknown; jobs: Record<string, Job> };
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));

const allSteps = (file: string) => Object.values(load(file).jobs).flatMap((j) => j.steps);
const ENGINES = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).engines.node as string;

// The majors this project verified run on Node 24 (see the workflows' header comment).
const ACTION_MAJORS: Record<string, string> = {
  "actions/checkout": "v7",
  "actions/setup-node": "v7",
  "actions/setup-java": "v5",
  "aws-actions/configure-aws-credentials": "v6",
  "pulumi/actions": "v6",
};

describe("GitHub workflows", () => {
  it("use the verified Node 24 majors of every action, and no other action", () => {
    for (const file of ["pull-request.yml", "deploy.yml"]) {
      for (const step of allSteps(file).filter((s) => s.uses)) {
        const [name, version] = (step.uses as string).split("@");
        assert.equal(version, ACTION_MAJORS[name], `${file}: ${step.uses}`);
      }
    }
  });

  it("test on every Node major package.json's engines names, and deploy with Node 24", () => {
    const majors = ENGINES.split("||").map((r) => Number(r.trim().replace(/^\^/, "")));
    assert.deepEqual(majors, [20, 22, 24]);
    for (const file of ["pull-request.yml", "deploy.yml"]) {
      const jobs = load(file).jobs as Record<string, Job & { strategy?: { matrix?: { node?: number[] } } }>;
      assert.deepEqual(jobs.test.strategy?.matrix?.node, majors, `${file}: test matrix`);
      for (const [name, job] of Object.entries(jobs)) {
        const setup = job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
        assert.ok(setup, `${file}: ${name} sets up Node`);
        assert.equal(setup.with?.["node-version"], name === "test" ? "${{ matrix.node }}" : 24, `${file}: ${name}`);
      }
    }
  });

  it("pull requests: tests, then a commented preview of every stack", () => {
    const wf = load("pull-request.yml");
    assert.ok(wf.jobs.test.steps.some((s) => s.run === "npm test"));
    const preview = wf.jobs.preview;
    assert.equal(preview.needs, "test");
    const stacks = fs.readdirSync(path.join(__dirname, "..")).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.split(".")[1]);
    assert.deepEqual([...(preview.strategy?.matrix?.stack ?? [])].sort(), stacks.sort());
    const [step] = pulumiSteps(preview);
    assert.equal(step.with?.command, "preview");
    assert.equal(step.with?.["comment-on-pr"], true);
    assert.equal(preview.permissions?.["pull-requests"], "write");
    assert.equal(preview.permissions?.["id-token"], "write");
  });

  it("main: up to dev, then prod behind the production environment", () => {
    const wf = load("deploy.yml");
    assert.equal(wf.jobs.dev.needs, "test");
    assert.equal(wf.jobs.prod.needs, "dev");
    assert.equal(wf.jobs.prod.environment, "production");
    for (const job of ["dev", "prod"]) assert.equal(pulumiSteps(wf.jobs[job])[0].with?.command, "up");
  });

  it("use only documented pulumi/actions inputs, after installing dependencies", () => {
    for (const file of ["pull-request.yml", "deploy.yml"]) {
      for (const job of Object.values(load(file).jobs)) {
        const steps = job.steps;
        for (const step of pulumiSteps(job)) {
          for (const input of Object.keys(step.with ?? {})) assert.ok(PULUMI_ACTION_INPUTS.has(input), `${file}: unknown input ${input}`);
          assert.ok(steps.indexOf(step) > steps.findIndex((s) => s.run === "npm ci"), `${file}: npm ci must come before the Pulumi action`);
        }
      }
    }
  });
});
