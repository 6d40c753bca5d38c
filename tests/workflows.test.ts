import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as semver from "semver";
import { parse } from "yaml";

// The GitHub workflows cannot run here; this keeps them consistent with pulumi/actions'
// documented inputs (action.yml), with the stacks the project has, and with the Node versions
// package.json's engines names (which the dependency tree must support).

const ROOT = path.join(__dirname, "..");

// pulumi/actions v7.0.0's action.yml (tag v7.0.0, commit 8e5e406f4007fca908480587cb9893c07090f58d,
// `runs: using: node24`): its inputs.
const PULUMI_ACTION_INPUTS = new Set([
  "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr", "comment-on-pr-number",
  "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel", "message", "config-map",
  "expect-no-changes", "diff", "replace", "exclude", "exclude-dependents", "target", "target-dependents", "policyPacks",
  "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment", "color", "exclude-protected", "plan",
  "suppress-outputs", "suppress-progress", "always-include-summary", "continue-on-error", "log-verbosity", "log-flow", "debug",
]);

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; name?: string };
type Job = {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string;
  steps: Step[];
  strategy?: { matrix?: { stack?: string[]; node?: number[] } };
  permissions?: Record<string, string>;
};
const load = (file: string) => parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", file), "utf8")) as { on: unknown; jobs: Record<string, Job> };
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
const allSteps = (file: string) => Object.values(load(file).jobs).flatMap((j) => j.steps);
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
const ENGINES = PACKAGE.engines.node;
// The project's stacks; not the zz-test-* ones tests/stackFile.test.ts writes beside them for a
// moment (mocha runs it alongside this file).
const STACKS = fs.readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f) && !f.startsWith("Pulumi.zz-test-")).map((f) => f.split(".")[1]).sort();

// The majors this project verified run on Node 24 (see the workflows' header comment).
const ACTION_MAJORS: Record<string, string> = {
  "actions/checkout": "v7",
  "actions/setup-node": "v7",
  "actions/setup-java": "v5",
  "aws-actions/configure-aws-credentials": "v6",
  "pulumi/actions": "v7",
};

/** The majors a range names: `^22.9.0 || ^24` → [22, 24]. */
const majorsOf = (range: string) => new semver.Range(range).set.map((comparators) => semver.minVersion(new semver.Range(comparators.map((c) => c.value).join(" ")))!.major);

describe("Node versions", () => {
  it("engines names Node 22 and 24 only: Node 20 is end of life since April 2026", () => {
    assert.deepEqual(majorsOf(ENGINES), [22, 24]);
    assert.ok(!semver.satisfies("20.19.0", ENGINES));
  });

  it("every Node engines allows, every installed package supports: npm ci prints no engine warning", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { engines?: { node?: string }; optional?: boolean }> };
    // The lowest version of each major engines allows, and a late one.
    const versions = majorsOf(ENGINES).flatMap((major) => [semver.minVersion(new semver.Range(`${ENGINES} >=${major}.0.0 <${major + 1}.0.0`))!.version, `${major}.99.0`]);
    const unsupported: string[] = [];
    for (const [name, pkg] of Object.entries(lock.packages)) {
      const range = pkg.engines?.node;
      if (!name || !range || pkg.optional) continue; // the project itself; platform binaries npm skips
      for (const v of versions) if (!semver.satisfies(v, range)) unsupported.push(`${name.replace(/^.*node_modules\//, "")} needs node ${range}; engines allows ${v}`);
    }
    assert.deepEqual(unsupported, []);
  });

  it("every installed package with an install script is approved or denied in package.json's allowScripts", () => {
    // npm 11.16+ lists unreviewed install scripts at every install, and npm 12 skips them
    // (docs.npmjs.com, npm-install-scripts); a new dependency with one must be decided here.
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { allowScripts?: Record<string, boolean> };
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([name, p]) => name && p.hasInstallScript)
      .map(([name]) => name.replace(/^.*node_modules\//, ""));
    assert.ok(withScripts.includes("esbuild"), "esbuild has an install script (the lock file records it)");
    const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((key) => key.replace(/(.)@.*$/, "$1")));
    assert.deepEqual(withScripts.filter((name) => !decided.has(name)), []);
  });

  it(".ci/run tests every major engines names, each with its own Node taken before npm ci", () => {
    const run = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    assert.deepEqual(/^MAJORS=\(([\d ]+)\)$/m.exec(run)?.[1].split(" ").map(Number), majorsOf(ENGINES));
    assert.match(run, /npm pack "node-linux-\$\{arch\}@\$\{major\}"/);
    assert.match(run, /PATH="\$dir\/package\/bin:\$PATH" run_tests/);
    const installs = [...run.matchAll(/^\s*(if ! )?npm ci\b.*$/gm)];
    assert.equal(installs.length, 1, "one npm ci");
    assert.ok(installs[0].index! > run.indexOf("run_tests() {"), "npm ci runs with the switched Node, inside run_tests");
    assert.match(run, /grep -q EBADENGINE/);
    assert.match(run, /grep -q "install-scripts"/);
  });
});

describe("GitHub workflows", () => {
  it("use the verified Node 24 majors of every action, and no other action", () => {
    for (const file of ["pull-request.yml", "deploy.yml"]) {
      for (const step of allSteps(file).filter((s) => s.uses)) {
        const [name, version] = (step.uses as string).split("@");
        assert.equal(version, ACTION_MAJORS[name], `${file}: ${step.uses}`);
      }
    }
  });

  it("test on every Node major package.json's engines names, and deploy and preview with Node 24", () => {
    for (const file of ["pull-request.yml", "deploy.yml"]) {
      const jobs = load(file).jobs;
      assert.deepEqual(jobs.test.strategy?.matrix?.node, majorsOf(ENGINES), `${file}: test matrix`);
      for (const [name, job] of Object.entries(jobs)) {
        const setup = job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
        if (!setup && !pulumiSteps(job).length) continue; // a job that runs no Node
        assert.ok(setup, `${file}: ${name} sets up Node`);
        assert.equal(setup.with?.["node-version"], name === "test" ? "${{ matrix.node }}" : 24, `${file}: ${name}`);
      }
    }
  });

  it("pull requests: tests, then a commented preview of every stack, each with its own environment's role", () => {
    const wf = load("pull-request.yml");
    assert.ok(wf.jobs.test.steps.some((s) => s.run === "npm test"));
    const preview = wf.jobs.preview;
    assert.equal(preview.needs, "test");
    assert.deepEqual([...(preview.strategy?.matrix?.stack ?? [])].sort(), STACKS);
    // The environment (and so AWS_ROLE_ARN) follows the stack: prod is previewed with prod's role.
    assert.equal(preview.environment, "${{ matrix.stack }}-preview");
    const aws = preview.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    assert.equal(aws?.with?.["role-to-assume"], "${{ vars.AWS_ROLE_ARN }}");
    const [step] = pulumiSteps(preview);
    assert.equal(step.with?.command, "preview");
    assert.equal(step.with?.["comment-on-pr"], true);
    assert.equal(preview.permissions?.["pull-requests"], "write");
    assert.equal(preview.permissions?.["id-token"], "write");
  });

  it("pull requests from a fork (no OIDC token, no secrets): the preview is skipped with a note on the PR, never failed", () => {
    const wf = load("pull-request.yml");
    const FORK = "github.event.pull_request.head.repo.full_name != github.repository";
    assert.equal(wf.jobs.preview.if, "github.event.pull_request.head.repo.full_name == github.repository");
    const note = Object.values(wf.jobs).find((j) => j.if === FORK);
    assert.ok(note, "a job runs for forks");
    assert.match(note.name ?? "", /preview skipped: pull request from a fork/);
    assert.ok(!note.permissions?.["id-token"] && note.steps.every((s) => !s.uses), "it needs no token and no action");
    const script = note.steps.map((s) => s.run ?? "").join("\n");
    assert.match(script, /::notice title=Preview skipped \(pull request from a fork\)::/);
    assert.match(script, /GITHUB_STEP_SUMMARY/);
    assert.doesNotMatch(script, /exit [1-9]|::error/);
  });

  it("main: up to dev, then prod behind the production environment, each with its own environment's role", () => {
    const wf = load("deploy.yml");
    assert.equal(wf.jobs.dev.needs, "test");
    assert.equal(wf.jobs.prod.needs, "dev");
    assert.equal(wf.jobs.dev.environment, "dev");
    assert.equal(wf.jobs.prod.environment, "production");
    for (const job of ["dev", "prod"]) {
      assert.equal(pulumiSteps(wf.jobs[job])[0].with?.command, "up");
      assert.equal(wf.jobs[job].steps.find((s) => s.uses?.startsWith("aws-actions/"))?.with?.["role-to-assume"], "${{ vars.AWS_ROLE_ARN }}");
    }
  });

  it("a stack that does not exist yet is created, not a failure (upsert), and the README says so", () => {
    for (const file of ["pull-request.yml", "deploy.yml"]) {
      for (const job of Object.values(load(file).jobs)) for (const step of pulumiSteps(job)) assert.equal(step.with?.upsert, true, file);
    }
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    assert.match(readme, /`upsert`/);
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
