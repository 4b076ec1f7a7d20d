import { z } from 'zod';

/**
 * The shape of every codeq config file. Objects are strict so a misspelled key fails loudly
 * instead of silently falling back to a default.
 */

const positiveInt = z.number().int().positive();

export const ResourceLimitsSchema = z.strictObject({
  timeoutMs: positiveInt.describe('Wall-clock limit of one run, in milliseconds.'),
  memoryMb: positiveInt.describe('Memory limit (RAM + swap) of one run, in MiB.'),
  pids: positiveInt.describe('Most processes and threads alive at once.'),
  outputKb: positiveInt.describe('Most bytes of stdout + stderr kept, in KiB; more is an output_limit verdict.'),
  stackMb: positiveInt.describe('Stack size limit (ulimit -s, and -Xss for Java), in MiB.'),
  tmpMb: positiveInt.describe('Size of the private writable /tmp, in MiB (counts toward memory).'),
  cpus: z
    .number()
    .min(0.01)
    .max(1024)
    .describe('CPU time one run may use per second of wall time (its CFS quota), in CPUs; fractions allowed.'),
});
export type ResourceLimits = z.infer<typeof ResourceLimitsSchema>;

export const LanguagesSchema = z.strictObject({
  python3: z.strictObject({
    interpreter: z.string().min(1).describe('Absolute path of the Python 3 interpreter, inside the sandbox.'),
    args: z.array(z.string()).describe('Interpreter flags placed before the program file.'),
  }),
  cpp: z.strictObject({
    compiler: z.string().min(1).describe('Absolute path of g++, inside the sandbox.'),
    flags: z.array(z.string()).describe('Compiler flags (standard, optimisation).'),
    precompiledHeader: z
      .string()
      .nullable()
      .describe('A system header to precompile once per toolchain (bits/stdc++.h: ~1.1 s to ~0.3 s per compile); null = off.'),
  }),
  java: z.strictObject({
    javac: z.string().min(1),
    java: z.string().min(1),
    heapFraction: z.number().gt(0).lt(1).describe('-Xmx as a fraction of the memory limit (RLIMIT_AS breaks the JVM).'),
    jvmFlags: z.array(z.string()).describe('Extra flags for java and (prefixed with -J) javac.'),
  }),
});

export const DockerSchema = z.strictObject({
  socket: z.string().nullable().describe('Docker Engine socket; null = <cacheDir>/docker/docker.sock.'),
  startDaemon: z.boolean().describe('Start dockerd (as root) when the socket does not answer.'),
  dockerd: z.string().min(1).describe('dockerd binary used when the daemon is started by codeq.'),
  image: z.string().min(1).describe('Runner image repository; the tag is derived from the package list.'),
  suite: z.string().min(1).describe('Debian suite debootstrap builds the image from.'),
  mirror: z.string().nullable().describe('Debian mirror; null = the first one in /etc/apt sources.'),
  packages: z.array(z.string().min(1)).min(1).describe('Debian packages installed in the runner image.'),
  warmPool: z.number().int().min(0).describe('Containers created ahead of time, ready to start (0 = off).'),
});

export const BwrapSchema = z.strictObject({
  binary: z.string().min(1),
  cgroupRoot: z.string().min(1).describe('Where the cgroup hierarchies are mounted.'),
  cgroupName: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .describe('Parent cgroup codeq creates runs under (cpu groups: <cgroupName>-<pid>-<n> at the top of the cpu hierarchy).'),
  favorDynamicCgroups: z
    .boolean()
    .describe('Remount the cgroup2 hierarchy with favordynmods (once, until reboot): ~10 ms less per run.'),
  readOnlyPaths: z.array(z.string().startsWith('/')).describe('Host paths mounted read-only when they exist.'),
});

export const SandboxSchema = z.strictObject({
  backend: z.enum(['bwrap', 'docker']),
  limits: ResourceLimitsSchema.describe('Limits of a program run.'),
  compileLimits: ResourceLimitsSchema.describe('Limits of a compiler run.'),
  concurrency: positiveInt.describe('Runs executing at once per sandbox.'),
  cpuShares: z
    .number()
    .int()
    .min(2)
    .max(1024)
    .describe(
      "cgroup v1 cpu.shares of each run, its whole process tree together (a normal process weighs 1024): low, so the supervising process gets the CPU first whenever it wants it, however busy the runs are.",
    ),
  languages: LanguagesSchema,
  docker: DockerSchema,
  bwrap: BwrapSchema,
});
export type SandboxConfig = z.infer<typeof SandboxSchema>;

export const TasksSchema = z.strictObject({
  debugbench: z.string().nullable().describe('DebugBench shards; null = $CODEQ_DEBUGBENCH, else ../shared/debugbench beside the repository.'),
  split: z.strictObject({
    testFraction: z.number().min(0).max(1).describe('Share of problems (slugs, never records) held out for evaluation.'),
    seed: z.number().int(),
  }),
  hidden: z.strictObject({
    count: z.number().int().min(0).describe('Hidden tests per task.'),
    seed: z.number().int(),
    oversample: z.number().min(1).describe('Candidates generated per hidden test kept (the oracle rejects some).'),
    maxLength: positiveInt.describe('Longest generated list or string.'),
    maxOutputChars: positiveInt.describe('Hidden cases whose expected output is longer (as JSON) are not kept.'),
    designMaxCalls: positiveInt.describe('Most method calls in one generated call sequence of a class-design problem.'),
    large: z
      .strictObject({
        count: z.number().int().min(0).describe('Inputs at or near the constraint maxima per task (0 = none), judged with a limit from the oracle\'s time on them, so a slow solution ends as timeout.'),
        maxElements: positiveInt.describe('Most values in one large input (its outer length is capped by it).'),
        innerMaxLength: positiveInt.describe('Longest nested list or string inside a large input.'),
        minLengthBound: positiveInt.describe('A task gets large inputs when a parameter\'s length may reach this...'),
        minValueBound: positiveInt.describe('...or an integer parameter may reach this.'),
      })
      .describe('Large hidden inputs: regenerated from their seed when judged (tasks.jsonl keeps each input\'s digest and expected answer, not the input).'),
    peerOracles: z
      .boolean()
      .describe("Check hidden inputs with the problem's other correct solutions (other DebugBench records of the slug): inputs they answer otherwise are dropped."),
  }),
  verify: z.strictObject({
    concurrency: positiveInt.describe('Tasks verified at once.'),
    tolerance: z.number().min(0).describe('Relative tolerance for floating-point results (LeetCode: 1e-5).'),
    oracleTimeoutMs: positiveInt.describe('Time limit of one oracle run over all of a task\'s cases.'),
    minTimeoutMs: positiveInt.describe('Least time a candidate gets for all its cases.'),
    timeoutFactor: z.number().min(1).describe("A candidate may take this many times the oracle's time (but at least minTimeoutMs)."),
    outputKb: positiveInt.describe('Output limit of a test run (all cases).'),
  }),
});
export type TasksConfig = z.infer<typeof TasksSchema>;

export const ModelSourceSchema = z.strictObject({
  file: z.string().regex(/^[\w.-]+\.gguf$/).describe('File name in the model cache.'),
  description: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).describe('Hash of the exact file codeq accepts from the PyPI packages.'),
  expect: z
    .strictObject({
      architecture: z.string(),
      nameIncludes: z.string(),
      quantization: z.string(),
    })
    .describe('Metadata a candidate file must show before it is trusted, whatever its source.'),
  huggingFace: z.string().nullable().describe("A node-llama-cpp model URI (hf:owner/repo:quant), tried where a hub is reachable."),
  pypi: z
    .strictObject({
      packages: z.array(z.string()).min(1).describe('Packages whose data/*.bin parts, in this order, concatenate to the GGUF file.'),
      version: z.string(),
    })
    .nullable(),
});

export const ModelsSchema = z.strictObject({
  default: z.string().describe('Name of the model `codeq model pull` and the policy use by default.'),
  catalog: z.record(z.string(), ModelSourceSchema),
});
export type ModelsConfig = z.infer<typeof ModelsSchema>;
export type ModelSource = z.infer<typeof ModelSourceSchema>;

export const PolicySchema = z.strictObject({
  model: z.string().nullable().describe('Catalog name or .gguf path; null = models.default.'),
  gpu: z.enum(['auto', 'cpu']).describe('auto: CUDA (or another GPU backend) when the machine has one; cpu: never.'),
  threads: positiveInt.describe('CPU threads per context. Always set: node-llama-cpp defaults to 4, ~100x slower on 2 cores.'),
  contextSize: positiveInt.describe('Tokens per sequence (prompt + response).'),
  sequences: positiveInt.describe('K: candidates generated at once, one context sequence each.'),
  batchSize: positiveInt.describe('Tokens evaluated per batch across all sequences.'),
  flashAttention: z.boolean().describe('Flash attention in the context (measured ~7% faster here).'),
  generation: z.strictObject({
    temperature: z.number().min(0),
    topP: z.number().gt(0).max(1),
    maxTokens: positiveInt,
    seed: z.number().int().describe('Candidate i of a call uses seed + i.'),
    openFence: z.boolean().describe("Start every answer with the opening code fence of the task's language (```python and so on), so no tokens go to prose before the program."),
    stopAtFenceEnd: z.boolean().describe('Stop generating when the first code block closes (the closing fence is kept in the answer): no tokens go to prose after the program. Needs openFence.'),
  }).refine((g) => g.openFence || !g.stopAtFenceEnd, { message: 'stopAtFenceEnd needs openFence: true (without the opening fence forced, the stop would fire at the opening fence itself)', path: ['stopAtFenceEnd'] }),
  critic: z
    .strictObject({
      responsePrefix: z.string().describe('The start of the answer the critic is given; the next token\'s distribution over the digits 0-9 is its score.'),
    })
    .describe('The critic (search.mcts.critic): one forward pass per program, no text generated.'),
  prompts: z
    .strictObject({
      system: z.string(),
      rewrite: z.string(),
      feedback: z.string(),
      critic: z.string(),
      refine: z.string().describe("MCTS's prompt for rewriting an attempt: the original program, the attempt, its feedback, the sibling attempts and the self-reflection (search.reflection)."),
      reflect: z.string().describe('The prompt for a self-reflection on an attempt that failed (search.reflection.selfReflection).'),
    })
    .describe('Prompt template files, relative to configs/.'),
});
export type PolicyConfig = z.infer<typeof PolicySchema>;

export const SEARCH_MODES = ['single', 'best-of-n', 'mcts'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export const SearchSchema = z.strictObject({
  budget: z
    .strictObject({
      tokens: positiveInt.describe('Generated tokens per task (rewrites and critic answers together). Never passed: each call\'s answers are capped to what is left, and a call that cannot be paid for is not made.'),
      executions: positiveInt.describe('Programs run on the visible tests per task (the buggy one included; duplicates are not rerun).'),
      wallMs: positiveInt.describe('Wall time per task, checked between steps.'),
    })
    .describe('What one search of one task may spend, whatever the mode: the same accounting makes modes comparable.'),
  singlePass: z.strictObject({
    temperature: z.number().min(0).describe('Temperature of the single rewrite (0 = greedy).'),
  }),
  bestOfN: z.strictObject({
    n: positiveInt.describe('Samples of the root prompt at most; stops at the first that passes the visible tests.'),
  }),
  mcts: z.strictObject({
    rollouts: positiveInt.describe('Iterations of select, expand, roll out (every new program is backed up as it is run).'),
    k: positiveInt.describe('Rewrites per policy call, in an expansion and in each rollout step (k parallel sequences): 1 buys the most selection decisions per token.'),
    maxDepth: positiveInt.describe('Deepest node (root = 0): nodes at this depth are not expanded.'),
    rolloutDepth: z.number().int().min(0).describe('Greedy steps below a new node, each from the best new program by visible reward (the critic breaks ties).'),
    exploration: z.number().min(0).describe('UCB1 exploration constant c: Q + c * sqrt(ln N_parent / N_child).'),
    widening: z
      .strictObject({
        c: z.number().positive().describe('Children allowed: fewer than c * N^alpha.'),
        alpha: z.number().min(0).max(1).describe('Growth of the allowed children with visits N (0: a fixed c children).'),
      })
      .nullable()
      .describe('Progressive widening: any node, the root included, gets another child while it has fewer than c * N^alpha (N its visits), so the root keeps sampling as best-of-N does; null: only leaves are expanded, once, with k children.'),
    backup: z.enum(['mean', 'max']).describe("Q_search of a node: the mean of the visible rewards in its subtree, or their max (a program's reward is deterministic: a subtree is as good as its best program)."),
    exhaustAfter: positiveInt.describe('Answers in a row that only repeat programs already in the tree before a node is not expanded again.'),
    critic: z.boolean().describe("A PUCT prior from the critic (one forward pass per new program, its visible feedback in the prompt): selection by Q + puct * P * sqrt(N) / (1 + n), P the critic's score over its siblings'; false: UCB1. Q is always the visible reward's backup."),
    puct: z.number().min(0).describe('PUCT exploration constant (with the critic on).'),
  }),
  agreement: z
    .strictObject({
      candidates: positiveInt.describe('Programs that pass the visible tests before a search stops (best-of-N and MCTS alike); 1 = stop at the first. With more, the answer is the program whose outputs agree with the most others on inputs the search generates itself.'),
      inputs: positiveInt.describe("Inputs generated from the visible examples' types (no expected outputs: no oracle) to cluster the candidates by their outputs."),
    })
    .describe('Choosing among visible passes by agreement (CodeT/AlphaCode-style clustering).'),
  reflection: z
    .strictObject({
      enabled: z.boolean().describe('MCTS prompts below the root, and at a root already tried, carry the original buggy program, the attempt to rewrite with its visible feedback and the sibling attempts already tried with how they failed (never hidden tests); false: every prompt is the plain rewrite prompt of the node.'),
      siblings: z.number().int().min(0).describe('Most sibling attempts shown (the newest).'),
      feedbackChars: positiveInt.describe("Each sibling attempt's failure is cut to this many characters (the bound on the prompt's growth)."),
      selfReflection: z.boolean().describe("A short self-reflection on why a node's program fails, generated once per node and reused by all its children; its tokens count against the budget."),
      reflectionTokens: positiveInt.describe('Tokens a self-reflection may generate (capped to what the budget has left; skipped when nothing is).'),
      temperature: z.number().min(0).describe('Temperature of the self-reflection.'),
    })
    .describe('Reflection in MCTS child prompts (as Reflexion and LATS do).'),
  collect: z.strictObject({
    shardSize: positiveInt.describe('Trajectories per shard file; a shard is renamed into place when full.'),
  }),
});
export type SearchConfig = z.infer<typeof SearchSchema>;

export const PAIR_SOURCES = SEARCH_MODES;

export const PairsSchema = z.strictObject({
  threshold: z.number().min(0).max(1).describe('Least Q gap between siblings for a pair (the reference used 0.2); the chosen one must also pass strictly more visible tests.'),
  sources: z
    .array(z.enum(PAIR_SOURCES))
    .min(1)
    .describe('Search modes whose trees give pairs: DPO gains came only from search data in the reference, so best-of-n is opt-in.'),
  maxPerGroup: positiveInt.describe('Most pairs from one group of siblings (highest Q gaps first): a wide group cannot dominate.'),
});
export type PairsConfig = z.infer<typeof PairsSchema>;

const seconds = z.number().positive();

export const RetrySchema = z.strictObject({
  initialIntervalSeconds: seconds.describe('Wait before the first retry.'),
  backoffCoefficient: z.number().min(1).describe('Each retry waits this many times longer than the one before.'),
  maximumIntervalSeconds: seconds.describe('Longest wait between retries.'),
  maximumAttempts: z.number().int().min(0).describe('Attempts in all (0 = unlimited, until the activity timeout).'),
});

export const TemporalSchema = z.strictObject({
  address: z.string().min(1).describe('host:port of the Temporal frontend ($TEMPORAL_ADDRESS overrides); the local stack serves it.'),
  namespace: z.string().min(1).describe('Temporal namespace ($TEMPORAL_NAMESPACE overrides).'),
  taskQueuePrefix: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
    .describe('Task queues are <prefix>-control, <prefix>-inference, <prefix>-training: another prefix keeps two deployments on one server apart.'),
  tls: z
    .strictObject({
      clientCert: z.string().min(1).describe('PEM client certificate file (mTLS).'),
      clientKey: z.string().min(1).describe('PEM client key file.'),
      serverRootCA: z.string().nullable().describe('PEM CA file of the server; null = the system roots.'),
      serverName: z.string().nullable().describe('TLS server name override; null = the address host.'),
    })
    .nullable()
    .describe('mTLS for a real cluster; null = plain (the dev server). An API key ($TEMPORAL_API_KEY) implies TLS.'),
  dataDir: z.string().nullable().describe('The local stack\'s state: history database, pid files, logs; null = $CODEQ_DATA_DIR or a default.'),
  devServer: z.strictObject({
    ip: z.string().min(1).describe('Address the dev server listens on.'),
    port: positiveInt.describe('Its gRPC frontend port (the address clients use).'),
    uiPort: positiveInt.describe('Its web UI port.'),
    startTimeoutSeconds: seconds.describe('How long codeq up waits for the server and the workers to answer.'),
  }),
});
export type TemporalConfig = z.infer<typeof TemporalSchema>;

const WorkerRoleSchema = z.strictObject({
  maxConcurrentActivities: positiveInt.describe('Activities one worker process runs at once (maxConcurrentActivityTaskExecutions).'),
});

export const WorkersSchema = z.strictObject({
  inference: WorkerRoleSchema.describe('Collection and evaluation shards: each holds the loaded model, so 1 per model.'),
  training: WorkerRoleSchema.describe('DPO runs: the native trainer uses every core it is given, so 1.'),
  control: WorkerRoleSchema.describe('Planning, pairs, promotion: light work.'),
  shutdownGraceSeconds: seconds.describe('On SIGTERM, how long running activities get to finish before the worker stops.'),
});

const PhaseTimeoutsSchema = z.strictObject({
  startToCloseMinutes: z.number().positive().describe('Longest one attempt may run.'),
  heartbeatSeconds: seconds.describe('A worker silent this long is presumed dead and the attempt retried elsewhere.'),
});

export const ExperimentSchema = z.strictObject({
  rounds: positiveInt.describe('Self-improvement rounds of an experiment.'),
  tasks: z.string().nullable().describe('tasks.jsonl (codeq data prepare) the rounds draw from; null = a slice of prepare.train + prepare.test tasks per language, prepared by codeq run on first use.'),
  prepare: z.strictObject({
    train: positiveInt.describe('Testable train-split tasks per language prepared when tasks is null (codeq run).'),
    test: positiveInt.describe('Testable test-split tasks per language prepared when tasks is null (codeq run).'),
    languages: z.array(z.enum(['python3', 'cpp', 'java'])).min(1),
    levels: z.array(z.enum(['easy', 'medium', 'hard'])).min(1).describe('DebugBench difficulty levels the slice draws from.'),
  }),
  collect: z.strictObject({
    mode: z.enum(SEARCH_MODES).describe('Search that collects trajectories (pairs come from its trees).'),
    tasks: positiveInt.describe('Train-split tasks searched per round (drawn anew each round).'),
    shards: positiveInt.describe('Shard activities a round\'s collection is split into.'),
    parallel: positiveInt.describe('Shards running at once (across all inference workers).'),
  }),
  evaluate: z.strictObject({
    mode: z.enum(SEARCH_MODES).describe('How each policy answers an evaluation task.'),
    tasks: positiveInt.describe('Test-split tasks with hidden tests both policies are scored on (the same ones every round).'),
    shards: positiveInt,
  }),
  train: z.string().nullable().describe('Training config overlaying configs/train.yaml (TRL/PEFT names); null = configs/train.yaml as it is.'),
  promote: z.strictObject({
    margin: z.number().min(0).max(1).describe('The candidate is promoted only when its paired improvement over the incumbent (a fraction of the evaluation tasks) is above 0 and at least this.'),
    alpha: z.number().gt(0).max(1).describe('...and McNemar\'s exact p on the tasks that flipped is below this (1 = no test: the margin alone decides).'),
  }),
  seed: z.number().int().min(0).describe('Seeds task draws and searches; a round\'s seed is derived from it and the round number.'),
  progressSeconds: seconds.describe('Activities report progress to their workflow at most this often.'),
  timeouts: z.strictObject({
    plan: PhaseTimeoutsSchema,
    collect: PhaseTimeoutsSchema,
    pairs: PhaseTimeoutsSchema,
    train: PhaseTimeoutsSchema,
    evaluate: PhaseTimeoutsSchema,
    promote: PhaseTimeoutsSchema,
  }),
  retry: RetrySchema,
});
export type ExperimentConfig = z.infer<typeof ExperimentSchema>;

export const CodeqConfigSchema = z.strictObject({
  cacheDir: z
    .string()
    .nullable()
    .describe('Cache root (images, compiled programs, tools); null = $CODEQ_CACHE_DIR or a default.'),
  sandbox: SandboxSchema,
  tasks: TasksSchema,
  models: ModelsSchema,
  policy: PolicySchema,
  search: SearchSchema,
  pairs: PairsSchema,
  artifacts: z.strictObject({
    root: z.string().nullable().describe('Where rounds write their files (experiments/<id>/round-<n>/<phase>/); a shared filesystem when workers run on several machines; null = <temporal.dataDir>/artifacts.'),
  }),
  temporal: TemporalSchema,
  workers: WorkersSchema,
  experiment: ExperimentSchema,
});
export type CodeqConfig = z.infer<typeof CodeqConfigSchema>;

/**
 * Training (configs/train.yaml): DPO settings with TRL's DPOConfig names, the adapter with PEFT's
 * LoraConfig names, so a config reads the same as one for those tools.
 */
export const TrainSchema = z.strictObject({
  lora: z.strictObject({
    r: positiveInt.describe('LoRA rank.'),
    lora_alpha: z.number().positive().describe('Scale numerator: the adapter adds (lora_alpha / r) · B·A·x.'),
    lora_dropout: z.number().min(0).lt(1).describe("Dropout on the adapter's input while training (PEFT's place for it)."),
    target_modules: z
      .array(z.enum(['q', 'k', 'v', 'o', 'gate', 'up', 'down']))
      .min(1)
      .describe('Projections adapted in every layer (attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down).'),
  }),
  loss_type: z.enum(['sigmoid', 'ipo', 'hinge', 'robust']).describe('sigmoid = DPO; robust = rDPO (with label_smoothing).'),
  beta: z.number().positive().describe("DPO's beta (IPO's tau)."),
  label_smoothing: z.number().min(0).lt(0.5).describe('Assumed label noise for sigmoid (cDPO) and robust.'),
  rpo_alpha: z.number().min(0).describe('Weight of the NLL term on the chosen answer (Iterative RPO); 0 = off.'),
  learning_rate: z.number().positive(),
  weight_decay: z.number().min(0).describe('Decoupled (AdamW) weight decay.'),
  adam_beta1: z.number().min(0).lt(1),
  adam_beta2: z.number().min(0).lt(1),
  adam_epsilon: z.number().positive(),
  max_grad_norm: z.number().min(0).describe('Global gradient-norm clip; 0 = none.'),
  lr_scheduler_type: z
    .enum(['constant', 'linear', 'cosine', 'constant_with_warmup'])
    .describe("transformers' schedules: constant ignores warmup_steps; the others warm up linearly from 0."),
  warmup_steps: z.number().int().min(0).describe('Linear warmup from 0.'),
  max_steps: positiveInt.describe('Optimizer steps.'),
  per_device_train_batch_size: positiveInt.describe('Pairs per micro-batch.'),
  gradient_accumulation_steps: positiveInt.describe('Micro-batches per optimizer step.'),
  max_length: z.number().int().min(2).describe('Prompt + answer tokens; longer pairs lose prompt tokens from the left (reported).'),
  save_steps: positiveInt.describe('A checkpoint every this many steps (and at the end).'),
  seed: z.number().int().min(0).describe('Adapter initialisation and data order.'),
});
export type TrainConfig = z.infer<typeof TrainSchema>;

/** Every config kind codeq reads, by the name used on the command line and in schema file names. */
export const CONFIG_SCHEMAS = {
  codeq: CodeqConfigSchema,
  train: TrainSchema,
} as const;
export type ConfigKind = keyof typeof CONFIG_SCHEMAS;
