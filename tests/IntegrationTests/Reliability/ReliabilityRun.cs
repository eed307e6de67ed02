using EventShadow.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// Runs one reliability scenario on a <see cref="ProcessSystem"/>: writes the audit's line for the
/// results table to the test output, and every process's log when the scenario fails.
/// </summary>
internal static class ReliabilityRun
{
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Polls the batch until <paramref name="condition"/> holds; fails naming <paramref name="moment"/>
    /// when the batch never gets there, for example because it ended first.
    /// </summary>
    public static async Task WaitForMomentAsync(
        NegotiationBatch batch, EventStoreProbe eventStore, string moment, Func<IReadOnlyDictionary<Guid, IReadOnlyList<object>>, bool> condition)
    {
        try
        {
            await batch.WaitForAsync(eventStore, condition, TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"The batch never reached the moment to inject the fault ({moment}). {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Settles and audits <paramref name="batch"/>, reports it, and asserts that it is clean.
    /// </summary>
    public static async Task<BatchAudit> AssertCleanAsync(
        NegotiationBatch batch, EventStoreProbe eventStore, ProcessSystem system, ITestOutputHelper output, string faults)
    {
        var settling = System.Diagnostics.Stopwatch.StartNew();
        var audit = await batch.SettleAndAuditAsync(eventStore, SettleTimeout);
        output.WriteLine($"Results row: {audit.TableRow(faults)}");
        output.WriteLine($"Audited {settling.Elapsed.TotalSeconds:0} s after the fault (or after submission when there was none).");
        foreach (var (task, outcome) in audit.Outcomes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {task}: {outcome}");
        }

        if (!audit.IsClean)
        {
            output.WriteLine(system.Output);
        }

        Assert.True(audit.IsClean, $"After {faults}: {audit}");
        return audit;
    }

    /// <summary>Writes every process's log to the output when <paramref name="scenario"/> fails.</summary>
    public static async Task WithLogsOnFailureAsync(ProcessSystem system, ITestOutputHelper output, Func<Task> scenario)
    {
        try
        {
            await scenario();
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            output.WriteLine(system.Output);
            throw;
        }
    }
}
