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

describe("GitHub workflows", () => {
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
