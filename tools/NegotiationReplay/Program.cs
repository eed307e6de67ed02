using System.Globalization;
using Docker.DotNet;
using EventShadow.Contracts;
using EventShadow.NegotiationReplay;

// Replays a workload mix of known footprints through the running system and reports how well the
// committed allocations fit: slack, OOM kills after commit and attempts per negotiation.
var options = ReplayOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(ReplayOptions.Usage);
    return 2;
}

// The API needs a key with the submit scope: EVENTSHADOW_API_KEY, else the operator's key in the env file.
var envFile = OperatorApiKey.EnvFilePath(Environment.GetEnvironmentVariable);
var apiKey = OperatorApiKey.Read(Environment.GetEnvironmentVariable, envFile);
if (apiKey is null)
{
    Console.Error.WriteLine(OperatorApiKey.MissingMessage(envFile));
    return 2;
}

using var api = new HttpClient { BaseAddress = options.Server, Timeout = TimeSpan.FromSeconds(30) };
api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
using var docker = new DockerClientBuilder().WithEndpoint(options.Docker).Build();
var driver = new NegotiationDriver(api, TimeSpan.FromMinutes(5));
var check = new PostCommitCheck(docker, options.Image, TimeSpan.FromSeconds(options.CheckSeconds));
var random = new Random(options.Seed);
var outcomes = new List<ReplayOutcome>();

for (var round = 1; round <= options.Rounds; round++)
{
    var order = WorkloadMix.Default.OrderBy(_ => random.Next()).ToList();
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Round {round} of {options.Rounds}: {order.Count} negotiations"));
    foreach (var workload in order)
    {
        var settled = await driver.NegotiateAsync(workload, CancellationToken.None);
        if (settled.CommittedMiB is { } memory)
        {
            var measured = await check.RunAsync(workload, memory, settled.CommittedCpuMillicores ?? 500, CancellationToken.None);
            outcomes.Add(new ReplayOutcome(round, workload.Name, settled.Status, settled.Attempts, memory, measured.PeakMiB, measured.OomKills, null));
        }
        else
        {
            outcomes.Add(new ReplayOutcome(round, workload.Name, settled.Status, settled.Attempts, null, null, 0, settled.FailureReason));
        }

        var last = outcomes[^1];
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {workload.Name}: {last.Status} after {last.Attempts} attempt(s), committed {last.CommittedMiB?.ToString(CultureInfo.InvariantCulture) ?? "-"} MiB, " +
            $"true peak {last.TruePeakMiB?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} MiB, post-commit OOM kills {last.PostCommitOomKills}"));
    }
}

Console.WriteLine(ReplayReport.ToMarkdown(outcomes));
return outcomes.Any(outcome => outcome.Status != "Committed") ? 1 : 0;
