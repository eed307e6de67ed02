using System.Net.Http.Json;
using EventShadow.Contracts;
using EventShadow.Hosting;
using EventShadow.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// RabbitMQ and PostgreSQL restarted in the middle of a batch, and a Docker engine that does not
/// respond. Each test runs its own servers in containers, so restarting them disturbs no other test.
/// </summary>
public sealed class InfrastructureFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Downtime = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Batch_completes_after_rabbitmq_restart()
    {
        await using var broker = await DedicatedContainer.StartRabbitMqAsync();
        await using var infrastructure = await TestServices.CreateAsync();
        await using var system = new ProcessSystem([.. infrastructure.ServiceArguments(), .. broker.Settings]);
        await using var eventStore = new EventStoreProbe(infrastructure.Schema);

        var batch = await StartBatchAndAsync(system, eventStore, "rabbitmq", () => broker.RestartAsync(Downtime));

        await ReliabilityRun.AssertCleanAsync(batch, eventStore, system, output, $"RabbitMQ stopped for {Downtime.TotalSeconds:0} s mid-batch");
    }

    [Fact]
    public async Task Batch_completes_after_postgresql_restart()
    {
        await using var database = await DedicatedContainer.StartPostgreSqlAsync();
        await using var infrastructure = await TestServices.CreateAsync();
        await using var system = new ProcessSystem([.. infrastructure.ServiceArguments(), .. database.Settings]);
        await using var eventStore = new EventStoreProbe(database.ConnectionString, infrastructure.Schema.Name);

        var batch = await StartBatchAndAsync(system, eventStore, "postgresql", () => database.RestartAsync(Downtime));

        await ReliabilityRun.AssertCleanAsync(batch, eventStore, system, output, $"PostgreSQL stopped for {Downtime.TotalSeconds:0} s mid-batch");
    }

    [Fact]
    public async Task Unreachable_docker_fails_with_reason()
    {
        const int attemptTimeoutSeconds = 15;

        // Nothing listens on this port: every Docker call of the PoolManager and the Validator is refused.
        var unreachable = $"--Docker:Endpoint=tcp://127.0.0.1:{ClosedLoopbackPort()}";
        await using var infrastructure = await TestServices.CreateAsync();
        await using var system = new ProcessSystem(
            infrastructure.ServiceArguments(),
            instances: 1,
            new Dictionary<string, string[]>(StringComparer.Ordinal) { ["PoolManager"] = [unreachable], ["Validator"] = [unreachable] },
            $"--Negotiation:AttemptTimeoutSeconds={attemptTimeoutSeconds}");
        await using var eventStore = new EventStoreProbe(infrastructure.Schema);

        NegotiationBatch batch = null!;
        await ReliabilityRun.WithLogsOnFailureAsync(system, output, async () =>
        {
            // Not ready without Docker, by design: wait until they are live.
            await system.StartAsync(untilReady: process => process.Service is not ("PoolManager" or "Validator"));
            using var api = system.CreateApiClient();
            batch = await NegotiationBatch.SubmitAsync(api, "no-docker", redis: 2, memoryHogs: 0);
        });

        var submittedAt = DateTimeOffset.UtcNow;
        var streams = await batch.WaitForAsync(
            eventStore, all => all.Values.All(StreamAudit.HasEnded), TimeSpan.FromSeconds(attemptTimeoutSeconds * 3));
        output.WriteLine($"Every negotiation ended {(DateTimeOffset.UtcNow - submittedAt).TotalSeconds:0} s after submission.");

        foreach (var stream in streams.Values)
        {
            var failure = Assert.Single(stream.OfType<NegotiationFailed>());
            output.WriteLine($"  {failure.NegotiationId}: {failure.Reason}");
            Assert.Contains($"no trial result within {attemptTimeoutSeconds} s", failure.Reason, StringComparison.Ordinal);
            Assert.Contains("Docker engine", failure.Reason, StringComparison.Ordinal);
            Assert.Empty(StreamAudit.Duplicates(stream));
        }

        var audit = await ReliabilityRun.AssertCleanAsync(batch, eventStore, system, output, "Docker engine unreachable");
        Assert.All(audit.Outcomes.Values, outcome => Assert.StartsWith("Failed", outcome, StringComparison.Ordinal));

        // The proposals the PoolManager could not serve wait in its error queue, with the cause.
        var failed = await WaitForErrorQueueAsync(system.Get("PoolManager"), "configure-shadow", batch.Tasks.Count);
        Assert.Equal(batch.Tasks.Count, failed.Samples.Count);
        foreach (var sample in failed.Samples)
        {
            output.WriteLine($"  {failed.Queue}: {sample.MessageType} failed with {sample.ExceptionType}: {sample.Reason}");
            Assert.False(string.IsNullOrWhiteSpace(sample.ExceptionType), "A failed message has no exception type.");
            Assert.False(string.IsNullOrWhiteSpace(sample.Reason), "A failed message has no reason.");
        }
    }

    private static async Task<ErrorQueueReport> WaitForErrorQueueAsync(ServiceProcess service, string endpoint, int messages)
    {
        using var http = TestServices.CreateApiClient(service.Address.ToString());
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        var last = "(no answer)";
        while (DateTimeOffset.UtcNow < deadline)
        {
            var reports = await http.GetFromJsonAsync<List<ErrorQueueReport>>(new Uri("/errors", UriKind.Relative), EndToEnd.RunningSystem.Json);
            last = System.Text.Json.JsonSerializer.Serialize(reports);
            if (reports!.SingleOrDefault(report => report.Endpoint == endpoint) is { } report && report.Messages == messages)
            {
                return report;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"{service.Name} did not list {messages} failed message(s) for {endpoint}; GET /errors returned {last}");
    }

    /// <summary>
    /// Submits a batch, waits until a shadow is configured and others are still open, runs
    /// <paramref name="fault"/>, and returns the batch.
    /// </summary>
    private async Task<NegotiationBatch> StartBatchAndAsync(ProcessSystem system, EventStoreProbe eventStore, string name, Func<Task> fault)
    {
        NegotiationBatch batch = null!;
        await ReliabilityRun.WithLogsOnFailureAsync(system, output, async () =>
        {
            await system.StartAsync();
            using (var api = system.CreateApiClient())
            {
                batch = await NegotiationBatch.SubmitAsync(api, $"restart-{name}", redis: 4, memoryHogs: 2);
            }

            await ReliabilityRun.WaitForMomentAsync(batch, eventStore, "a shadow is configured and a negotiation is open", streams =>
                streams.Values.Any(stream => stream.OfType<ShadowConfigured>().Any()) && streams.Values.Count(stream => !StreamAudit.HasEnded(stream)) >= 3);
            await fault();
        });

        return batch;
    }

    private static int ClosedLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
