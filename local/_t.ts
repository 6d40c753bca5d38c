import { LocalPipeline } from "./runtime";
import { DEMO_SCENARIO, loadScenario, runStep } from "./scenario";
(async () => {
  const t0 = Date.now();
  const s = loadScenario(DEMO_SCENARIO);
  const p = await LocalPipeline.start({ stack: "dev", faults: s.faults, onEvent: (e) => e.event === "processor.output" && console.log(Date.now() - t0, e.event, JSON.stringify(e.detail).slice(0, 300)) });
  for (const step of s.steps) { await runStep(step, p.dynamo, p.tableName, (o) => p.recordWrite(o)); }
  console.log("steps done", Date.now() - t0);
  const timer = setInterval(() => { for (const n of p.routeNames) { const pipe = (p as any).routes.find((r: any) => r.plan.name === n).pipe; console.log(Date.now() - t0, n, "busy", pipe.busy, "empty", pipe.lastPollEmpty, "polls", pipe.polls, JSON.stringify(pipe.counts)); } }, 2000);
  await p.settle({ timeoutMs: 90000 });
  clearInterval(timer);
  console.log("settled", Date.now() - t0);
  await p.stop();
})();
