using EventShadow.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// Two instances of every service at once, as competing consumers on one RabbitMQ virtual host and
/// one event store, negotiate a batch with the same outcomes as one instance of each.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_instances_of_each_service_match_one()
    {
        var single = await RunBatchAsync(instances: 1);
        var doubled = await RunBatchAsync(instances: 2);

        Assert.Equal(single.Audit.Outcomes, doubled.Audit.Outcomes);

        // Both instances of the workers took part: RabbitMQ handed each some of the messages.
        foreach (var (service, line) in new[] { ("PoolManager", " runs negotiation "), ("Validator", "Validated shadow ") })
        {
            for (var instance = 1; instance <= 2; instance++)
            {
                Assert.True(
                    doubled.Logs[$"{service}#{instance}"].Contains(line, StringComparison.Ordinal),
                    $"{service}#{instance} did no work; RabbitMQ gave every message to the other instance.");
            }
        }
    }

    private async Task<(BatchAudit Audit, IReadOnlyDictionary<string, string> Logs)> RunBatchAsync(int instances)
    {
        await using var infrastructure = await TestServices.CreateAsync();
        await using var system = new ProcessSystem(infrastructure.ServiceArguments(), instances);
        await using var eventStore = new EventStoreProbe(infrastructure.Schema);

        NegotiationBatch batch = null!;
        await ReliabilityRun.WithLogsOnFailureAsync(system, output, async () =>
        {
            await system.StartAsync();
            using var api = system.CreateApiClient();
            batch = await NegotiationBatch.SubmitAsync(api, "scale", redis: 4, memoryHogs: 2);
        });

        var audit = await ReliabilityRun.AssertCleanAsync(batch, eventStore, system, output, $"none, {instances} instance(s) of each service");
        return (audit, system.Processes.ToDictionary(process => process.Name, process => process.Output, StringComparer.Ordinal));
    }
}
