using EventShadow.Contracts;
using Xunit.Abstractions;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// Each service killed with SIGKILL in the middle of a batch and started again: every negotiation
/// still ends exactly once, every shadow is released and priced once, and no container is left.
/// </summary>
public sealed class WorkerCrashTests(ProcessSystemFixture fixture, ITestOutputHelper output) : IClassFixture<ProcessSystemFixture>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(3);

    [Fact]
    public Task Negotiator_killed_while_sagas_wait_for_verdicts() =>
        KillMidBatchAsync("Negotiator", "a saga waits for a verdict", streams => streams.Values.Any(WaitsForVerdict));

    [Fact]
    public Task PoolManager_killed_while_shadows_are_being_configured() =>
        KillMidBatchAsync("PoolManager", "a shadow is configured and another proposal waits for one", streams =>
            streams.Values.Any(stream => stream.OfType<ShadowConfigured>().Any()) && streams.Values.Any(WaitsForShadow));

    [Fact]
    public Task Validator_killed_while_validating() =>
        KillMidBatchAsync("Validator", "a shadow is being validated", streams => streams.Values.Any(WaitsForVerdict));

    [Fact]
    public Task CostLedger_killed_after_first_release() =>
        KillMidBatchAsync("CostLedger", "a shadow was released and a negotiation is still open", streams =>
            streams.Values.Any(stream => stream.OfType<ShadowReleased>().Any()) && streams.Values.Any(stream => !StreamAudit.HasEnded(stream)));

    private async Task KillMidBatchAsync(string service, string moment, Func<IReadOnlyDictionary<Guid, IReadOnlyList<object>>, bool> killWhen)
    {
        var system = fixture.System;
        var process = system.Get(service);
        NegotiationBatch batch = null!;

        await ReliabilityRun.WithLogsOnFailureAsync(system, output, async () =>
        {
            using (var api = system.CreateApiClient())
            {
                batch = await NegotiationBatch.SubmitAsync(api, $"kill-{service.ToLowerInvariant()}", redis: 4, memoryHogs: 2);
            }

            await ReliabilityRun.WaitForMomentAsync(batch, fixture.EventStore, moment, killWhen);
            await process.KillAsync();
            await Task.Delay(Outage);
            await process.StartAsync();
        });

        await ReliabilityRun.AssertCleanAsync(batch, fixture.EventStore, system, output, $"SIGKILL {service} when {moment}");
    }

    private static bool WaitsForVerdict(IReadOnlyList<object> stream) =>
        stream.OfType<ShadowConfigured>().Any(configured =>
            !stream.Any(@event => @event is ValidationPassed passed && passed.Attempt == configured.Attempt
                || @event is ValidationFailed failed && failed.Attempt == configured.Attempt));

    private static bool WaitsForShadow(IReadOnlyList<object> stream) =>
        !StreamAudit.HasEnded(stream) && stream.OfType<AllocationProposed>().Any(proposal =>
            !stream.Any(@event => @event is ShadowConfigured configured && configured.Attempt == proposal.Attempt
                || @event is ShadowUnavailable unavailable && unavailable.Attempt == proposal.Attempt));
}
