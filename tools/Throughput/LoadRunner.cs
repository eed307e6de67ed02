using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace EventShadow.Throughput;

/// <summary>
/// What happened to one submitted negotiation.
/// </summary>
/// <param name="LatencyMs">Milliseconds from just before <c>POST /negotiate</c> until its outcome event arrived; null without an outcome.</param>
/// <param name="Failure">Why it did not commit: the negotiation's reason, an HTTP error or a timeout; null when it committed.</param>
/// <param name="AnsweredMs">
/// Milliseconds until the response of <c>POST /negotiate</c> arrived, when it carried the allocation (a
/// commit at submission); otherwise null.
/// </param>
public sealed record NegotiationResult(
    Guid? Id, double? LatencyMs, bool Committed, bool WithoutTrial, int Attempts, string? Failure, double? AnsweredMs = null);

/// <summary>
/// Submits negotiations over HTTP on a fixed schedule and waits for each outcome on the bus.
/// </summary>
public sealed class LoadRunner(HttpClient api, OutcomeListener outcomes, ThroughputOptions options, string runId)
{
    /// <summary>
    /// Negotiates the fast path's workload one at a time until one commits without a trial, so that the
    /// measured phase starts from trusted history. Returns the warm-up results.
    /// </summary>
    public async Task<IReadOnlyList<NegotiationResult>> WarmUpAsync(CancellationToken cancellationToken)
    {
        var results = new List<NegotiationResult>();
        for (var index = 0; index < options.WarmUp; index++)
        {
            var result = await NegotiateAsync(index, cancellationToken);
            results.Add(result);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warm-up {index + 1}: {Describe(result)}"));
            if (result.WithoutTrial)
            {
                return results;
            }
        }

        throw new InvalidOperationException(
            $"No negotiation of the fast path's workload committed without a trial after {options.WarmUp} warm-up negotiations; " +
            "check Negotiation:FastPath in the Negotiator's settings and the warm-up results above.");
    }

    /// <summary>
    /// Submits up to <see cref="ThroughputOptions.Count"/> negotiations at <see cref="ThroughputOptions.Rate"/>
    /// per second for at most <see cref="ThroughputOptions.DurationSeconds"/>, and waits for every outcome.
    /// </summary>
    public async Task<MeasuredPhase> RunAsync(int firstIndex, CancellationToken cancellationToken)
    {
        using var inFlight = new SemaphoreSlim(options.MaxInFlight);
        var pending = new List<Task<NegotiationResult>>(Math.Min(options.Count, 100_000));
        var interval = TimeSpan.FromSeconds(1 / options.Rate);
        var duration = TimeSpan.FromSeconds(options.DurationSeconds);
        var started = Stopwatch.GetTimestamp();
        var lateStarts = 0;

        for (var index = 0; index < options.Count; index++)
        {
            var due = interval * index;
            if (due >= duration)
            {
                break;
            }

            var wait = due - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
            else if (wait < -TimeSpan.FromMilliseconds(100))
            {
                lateStarts++;
            }

            await inFlight.WaitAsync(cancellationToken);
            pending.Add(RunOneAsync(firstIndex + index, inFlight, cancellationToken));
        }

        var submittedFor = Stopwatch.GetElapsedTime(started);
        var results = await Task.WhenAll(pending);
        return new MeasuredPhase(results, submittedFor, Stopwatch.GetElapsedTime(started), lateStarts);
    }

    private async Task<NegotiationResult> RunOneAsync(int index, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        try
        {
            // Leave the scheduling loop at once: the submission runs on the thread pool.
            await Task.Yield();
            return await NegotiateAsync(index, cancellationToken);
        }
        finally
        {
            inFlight.Release();
        }
    }

    private async Task<NegotiationResult> NegotiateAsync(int index, CancellationToken cancellationToken)
    {
        var manifest = BenchmarkWorkloads.Manifest(options.Path, runId, index);
        var started = Stopwatch.GetTimestamp();
        Guid id;
        double? answeredMs = null;
        try
        {
            using var content = new StringContent(manifest, Encoding.UTF8, "application/yaml");
            using var response = await api.PostAsync($"/negotiate?source=throughput-{runId}.yaml", content, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                return Failed(null, $"POST /negotiate returned {(int)response.StatusCode}: {Shorten(body)}");
            }

            var task = JsonDocument.Parse(body).RootElement.GetProperty("negotiations")[0];
            id = task.GetProperty("id").GetGuid();
            if (task.TryGetProperty("allocation", out var allocation) && allocation.ValueKind == JsonValueKind.Object)
            {
                answeredMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }
        catch (HttpRequestException ex)
        {
            return Failed(null, $"POST /negotiate failed: {ex.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(null, $"POST /negotiate timed out after {api.Timeout.TotalSeconds:0} s");
        }

        var outcome = await outcomes.WaitAsync(id, TimeSpan.FromSeconds(options.TimeoutSeconds), cancellationToken);
        if (outcome is null)
        {
            return Failed(id, $"no outcome within {options.TimeoutSeconds} s (--timeout)");
        }

        var latency = Stopwatch.GetElapsedTime(started, outcome.ReceivedAt).TotalMilliseconds;
        if (!outcome.Committed)
        {
            return new NegotiationResult(id, latency, false, false, outcome.Attempts, outcome.FailureReason);
        }

        if (options.Release)
        {
            await ReleaseAsync(id, cancellationToken);
        }

        return new NegotiationResult(id, latency, true, outcome.WithoutTrial, outcome.Attempts, null, answeredMs);
    }

    /// <summary>
    /// Returns the committed capacity to its pool, outside the measured latency. The Negotiator returns
    /// 409 when another service appended to the negotiation meanwhile (the CostLedger prices each commit),
    /// so a conflict is retried a few times.
    /// </summary>
    private async Task ReleaseAsync(Guid id, CancellationToken cancellationToken)
    {
        const int Attempts = 5;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                using var response = await api.PostAsync($"/negotiation/{id}/release", content: null, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                if (response.StatusCode != HttpStatusCode.Conflict || attempt == Attempts)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"Release of negotiation {id} returned {(int)response.StatusCode} at attempt {attempt}; its capacity stays committed."));
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                Console.Error.WriteLine($"Release of negotiation {id} failed: {ex.Message}; its capacity stays committed.");
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
        }
    }

    private static NegotiationResult Failed(Guid? id, string reason) => new(id, null, false, false, 0, reason);

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    internal static string Describe(NegotiationResult result) => result switch
    {
        { Committed: true, WithoutTrial: true } => string.Create(CultureInfo.InvariantCulture, $"committed without a trial in {result.LatencyMs:0} ms"),
        { Committed: true } => string.Create(CultureInfo.InvariantCulture, $"committed after {result.Attempts} trial(s) in {result.LatencyMs:0} ms"),
        _ => $"not committed: {result.Failure}",
    };
}

/// <summary>
/// Results of the measured phase.
/// </summary>
/// <param name="SubmittedFor">Time from the first submission to the last.</param>
/// <param name="Elapsed">Time from the first submission to the last outcome.</param>
/// <param name="LateStarts">Submissions that started more than 100 ms after their slot, because the client or the in-flight limit fell behind.</param>
public sealed record MeasuredPhase(IReadOnlyList<NegotiationResult> Results, TimeSpan SubmittedFor, TimeSpan Elapsed, int LateStarts);
