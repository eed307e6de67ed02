using EventShadow.Cli.Api;
using EventShadow.Cli.Rendering;

namespace EventShadow.Cli.Following;

/// <summary>How following one negotiation ended.</summary>
public enum FollowOutcome
{
    Committed,
    Failed,
    TimedOut,
    NotFound,
}

/// <summary>The end of following one negotiation, with its last view and that view's JSON as the server sent it.</summary>
public sealed record FollowResult(string Id, string? Task, FollowOutcome Outcome, NegotiationView? View, string? Json);

/// <summary>Polling intervals and limits for <see cref="NegotiationFollower"/>.</summary>
/// <param name="Timeout">Time from the start of following after which unfinished negotiations count as timed out.</param>
/// <param name="PollInterval">Pause between two rounds of reading every unfinished negotiation.</param>
/// <param name="NotFoundGrace">
/// How long a negotiation may stay unknown (404) before it counts as not found. The server's view is
/// eventually consistent, so a negotiation just accepted can be missing from it for a moment.
/// </param>
/// <param name="UnreachableGrace">How long the server may stay unreachable while following before the run gives up.</param>
/// <param name="CostGrace">
/// How long to keep reading an ended negotiation until its shadows are priced (the view says
/// <c>settled</c>); after that its cost is reported as it stands.
/// </param>
public sealed record FollowOptions(TimeSpan Timeout, TimeSpan PollInterval, TimeSpan NotFoundGrace, TimeSpan UnreachableGrace, TimeSpan CostGrace)
{
    public static readonly TimeSpan DefaultNotFoundGrace = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultUnreachableGrace = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultCostGrace = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Polls negotiations until each is committed or failed, or the timeout passes, and reports each
/// change as a progress line prefixed with the negotiation's task.
/// </summary>
public sealed class NegotiationFollower(NegotiatorClient client, FollowOptions options, TimeProvider time)
{
    /// <exception cref="ServerUnreachableException">The server stayed unreachable for longer than <see cref="FollowOptions.UnreachableGrace"/>.</exception>
    public async Task<IReadOnlyList<FollowResult>> FollowAsync(
        IReadOnlyList<SubmittedNegotiation> negotiations, Action<string> report, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var followed = negotiations.Select(negotiation => new Followed(negotiation)).ToList();
        long? unreachableSince = null;

        while (true)
        {
            try
            {
                foreach (var negotiation in followed.Where(negotiation => negotiation.Result is null))
                {
                    await PollAsync(negotiation, started, report, cancellationToken);
                }

                unreachableSince = null;
            }
            catch (ServerUnreachableException ex)
            {
                unreachableSince ??= time.GetTimestamp();
                if (time.GetElapsedTime(unreachableSince.Value) > options.UnreachableGrace)
                {
                    throw;
                }

                report($"{ex.Message}; retrying");
            }

            if (followed.TrueForAll(negotiation => negotiation.Result is not null))
            {
                break;
            }

            if (time.GetElapsedTime(started) >= options.Timeout)
            {
                foreach (var negotiation in followed.Where(negotiation => negotiation.Result is null))
                {
                    negotiation.Result = negotiation.ToResult(FollowOutcome.TimedOut);
                    report($"[{negotiation.Label}] timed out while {negotiation.View?.Status ?? "waiting for the server to show it"}");
                }

                break;
            }

            await Task.Delay(options.PollInterval, time, cancellationToken);
        }

        return followed.ConvertAll(negotiation => negotiation.Result!);
    }

    private async Task PollAsync(Followed negotiation, long started, Action<string> report, CancellationToken cancellationToken)
    {
        var reply = await client.GetNegotiationAsync(negotiation.Id, cancellationToken);
        if (reply is null)
        {
            if (time.GetElapsedTime(started) > options.NotFoundGrace && negotiation.View is null)
            {
                negotiation.Result = negotiation.ToResult(FollowOutcome.NotFound);
                report($"[{negotiation.Label}] not found: the server accepted it but does not show it");
            }

            return;
        }

        negotiation.View = reply.Value;
        negotiation.Json = reply.Json;
        foreach (var line in negotiation.Tracker.Observe(reply.Value))
        {
            report($"[{negotiation.Label}] {line}");
        }

        var outcome = reply.Value.Status switch
        {
            NegotiationStatus.Committed => FollowOutcome.Committed,
            NegotiationStatus.Failed => (FollowOutcome?)FollowOutcome.Failed,
            _ => null,
        };
        if (outcome is null)
        {
            return;
        }

        // The CostLedger prices shadows after they are released, shortly after the end.
        negotiation.EndedAt ??= time.GetTimestamp();
        if (reply.Value.Settled || time.GetElapsedTime(negotiation.EndedAt.Value) >= options.CostGrace)
        {
            negotiation.Result = negotiation.ToResult(outcome.Value);
        }
    }

    private sealed class Followed(SubmittedNegotiation submitted)
    {
        public string Id => submitted.Id;

        public string Label => Formats.TaskLabel(View?.Task ?? submitted.Task, submitted.Id);

        public ProgressTracker Tracker { get; } = new();

        public NegotiationView? View { get; set; }

        public string? Json { get; set; }

        public FollowResult? Result { get; set; }

        /// <summary>When the negotiation was first seen ended, as a timestamp of the follower's clock.</summary>
        public long? EndedAt { get; set; }

        public FollowResult ToResult(FollowOutcome outcome) => new(Id, View?.Task ?? submitted.Task, outcome, View, Json);
    }
}
