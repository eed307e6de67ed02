using EventShadow.Contracts;
using EventShadow.Throughput;

// Drives the running system with a bounded stream of negotiations and reports throughput,
// submission-to-commit latency, failures and each service's memory, as markdown on standard output.
var (options, error) = ThroughputOptions.Parse(args, Environment.GetEnvironmentVariable("EVENTSHADOW_STATE_DIR"));
if (options is null)
{
    if (error is not null)
    {
        Console.Error.WriteLine(error);
    }

    Console.Error.WriteLine(ThroughputOptions.Usage);
    return error is null ? 0 : 2;
}

// MassTransit reports usage to its vendor unless this variable disables it, and nothing may leave this machine.
Environment.SetEnvironmentVariable("MASSTRANSIT_USAGE_TELEMETRY", "false");

var envFile = Path.Combine(options.StateDirectory, "env");
RabbitMqSettings rabbit;
try
{
    rabbit = RabbitMqSettings.Load(Environment.GetEnvironmentVariable, envFile);
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

// The Negotiator's API needs a key with the submit scope: the operator's, from the environment or the env file.
var apiKey = OperatorApiKey.Read(Environment.GetEnvironmentVariable, envFile);
if (apiKey is null)
{
    Console.Error.WriteLine(OperatorApiKey.MissingMessage(envFile));
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, press) =>
{
    press.Cancel = true;
    cancellation.Cancel();
};

var runId = Guid.NewGuid().ToString("N")[..8];
using var api = new HttpClient { BaseAddress = options.Server, Timeout = TimeSpan.FromSeconds(30) };
api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
await using var outcomes = await OutcomeListener.StartAsync(rabbit, cancellation.Token);
var runner = new LoadRunner(api, outcomes, options, runId);
Console.Error.WriteLine($"Run {runId}: {options.Path} path at {options.Rate}/s, at most {options.Count} negotiations in {options.DurationSeconds} s, outcomes from {rabbit}");

var firstIndex = 0;
if (options.Path == BenchmarkPath.Fast)
{
    firstIndex = (await runner.WarmUpAsync(cancellation.Token)).Count;
}

if (options.SteadySeconds > 0)
{
    // The same schedule as the measured phase, so that the services reach the state it then measures.
    var steadyOptions = options with { DurationSeconds = options.SteadySeconds, Count = (int)Math.Ceiling(options.Rate * options.SteadySeconds) };
    var steady = await new LoadRunner(api, outcomes, steadyOptions, runId).RunAsync(firstIndex, cancellation.Token);
    firstIndex += steady.Results.Count;
    Console.Error.WriteLine(ThroughputReport.Results(steadyOptions with { Label = "steady" }, steady));
}

using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellation.Token);
var sampling = new MemorySampler(options.StateDirectory, TimeSpan.FromSeconds(options.SampleSeconds)).RunAsync(stopSampling.Token);
var phase = await runner.RunAsync(firstIndex, cancellation.Token);
await stopSampling.CancelAsync();
var memory = await sampling;

Console.WriteLine(ThroughputReport.ToMarkdown(options, phase, memory));
return phase.Results.All(result => result.Committed) ? 0 : 1;
