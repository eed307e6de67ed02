using System.Globalization;
using EventShadow.Cli.Api;
using EventShadow.Cli.Rendering;

namespace EventShadow.Cli.Following;

/// <summary>
/// Turns successive snapshots of one negotiation into progress lines that describe only what changed:
/// a new attempt and its allocation, the shadow being configured or validated, each validation
/// verdict, and the final outcome. Polling can miss a short status, but not a verdict, because
/// every attempt keeps its validation in the view.
/// </summary>
public sealed class ProgressTracker
{
    private string? lastStatus;
    private int lastAttempt;
    private bool costReported;
    private readonly HashSet<int> reportedValidations = [];

    public IReadOnlyList<string> Observe(NegotiationView view)
    {
        var lines = new List<string>();
        var attempts = (view.Attempts ?? []).OrderBy(attempt => attempt.Attempt).ToList();

        if (lastStatus is null && view.Status == NegotiationStatus.Submitted)
        {
            lines.Add("submitted, analysing requirements");
        }

        foreach (var attempt in attempts)
        {
            if (attempt.Attempt > lastAttempt)
            {
                lines.Add(Proposed(attempt));
                lastAttempt = attempt.Attempt;
            }

            if (attempt.Validation is { } validation && reportedValidations.Add(attempt.Attempt))
            {
                lines.Add(Verdict(attempt, validation));
            }
        }

        if (view.Status != lastStatus && StatusLine(view, attempts.LastOrDefault()) is { } statusLine)
        {
            lines.Add(statusLine);
        }

        // Shadows are priced after they are released, so the cost follows the outcome.
        if (view.Settled && view.Status is NegotiationStatus.Committed or NegotiationStatus.Failed && !costReported)
        {
            lines.Add($"cost {Formats.NegotiationCost(view)}");
            costReported = true;
        }

        lastStatus = view.Status;
        return lines;
    }

    private static string Proposed(NegotiationAttempt attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"attempt {attempt.Attempt} proposed {Formats.Allocation(attempt.Allocation)}");

    /// <summary>
    /// Describes a validation verdict, followed for a failure by the Validator's first reason, which
    /// names the cause. <c>show</c> lists every reason.
    /// </summary>
    private static string Verdict(NegotiationAttempt attempt, AttemptValidation validation)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"attempt {attempt.Attempt} {Formats.Validation(validation, attempt.Allocation)}");
        var firstReason = validation.Reasons?.FirstOrDefault(reason => !string.IsNullOrWhiteSpace(reason));
        return validation.Passed || firstReason is null ? line : $"{line}: {Formats.Safe(firstReason)}";
    }

    private static string? StatusLine(NegotiationView view, NegotiationAttempt? latest)
    {
        var attempt = latest is null ? "" : string.Create(CultureInfo.InvariantCulture, $"attempt {latest.Attempt} ");

        return view.Status switch
        {
            NegotiationStatus.Configuring => $"{attempt}configuring a shadow",
            NegotiationStatus.Validating when latest?.ShadowId is { } shadowId => $"{attempt}validating in shadow {Formats.ShadowId(shadowId)}",
            NegotiationStatus.Validating => $"{attempt}validating",
            NegotiationStatus.Committed => Committed(view),
            NegotiationStatus.Failed => $"failed: {Formats.Safe(view.FailureReason ?? "no reason given")}",
            _ => null,
        };
    }

    private static string Committed(NegotiationView view)
    {
        var attempts = view.Attempts?.Count ?? 0;
        if (attempts == 0)
        {
            return $"committed {Formats.Allocation(view.Allocation)} from history, without a trial";
        }

        var noun = attempts == 1 ? "attempt" : "attempts";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"committed {Formats.Allocation(view.Allocation)} after {attempts} {noun}");
    }
}
