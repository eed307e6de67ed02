using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// Two Negotiators, of which Marten's hot/cold election lets one run the async daemon (projections
/// and the event relay). Each is killed in turn in the middle of a batch and restarted only after the
/// batch settled. So at least one kill hits the daemon's host, and the other Negotiator takes over.
/// </summary>
public sealed class NegotiatorFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Surviving_negotiator_finishes_each_batch()
    {
        await using var infrastructure = await TestServices.CreateAsync();
        await using var system = new ProcessSystem(infrastructure.ServiceArguments(), instances: 2);
        await using var eventStore = new EventStoreProbe(infrastructure.Schema);
        await ReliabilityRun.WithLogsOnFailureAsync(system, output, () => system.StartAsync());

        foreach (var (killed, survivor) in new[] { (1, 2), (2, 1) })
        {
            var negotiator = system.Get("Negotiator", killed);
            NegotiationBatch batch = null!;
            await ReliabilityRun.WithLogsOnFailureAsync(system, output, async () =>
            {
                using (var api = system.CreateApiClient())
                {
                    batch = await NegotiationBatch.SubmitAsync(api, $"failover-{killed}", redis: 4, memoryHogs: 2);
                }

                await ReliabilityRun.WaitForMomentAsync(batch, eventStore, "a saga waits for a verdict", streams =>
                    streams.Values.Any(stream => stream.OfType<ShadowConfigured>().Any() && !StreamAudit.HasEnded(stream)));
                await negotiator.KillAsync();
            });

            await ReliabilityRun.AssertCleanAsync(
                batch, eventStore, system, output, $"SIGKILL Negotiator#{killed} of two, Negotiator#{survivor} left alone");

            await negotiator.StartAsync();
        }
    }
}
