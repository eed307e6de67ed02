using EventShadow.Contracts;
using EventShadow.Negotiator.Views;
using Marten;

namespace EventShadow.Negotiator.Validation;

/// <summary>
/// Why a request cannot be validated: an HTTP status and a sentence an operator can act on.
/// </summary>
/// <param name="State">The negotiation's status when that is the obstacle.</param>
public sealed record ValidationTargetProblem(int StatusCode, string Title, string Detail, NegotiationStatus? State = null);

/// <summary>
/// The shadow a request names, as the PoolManager configured it, or the problem that prevents validating it.
/// </summary>
public sealed record ValidationTarget(ShadowConfigured? Shadow, ValidationTargetProblem? Problem)
{
    public static ValidationTarget Found(ShadowConfigured shadow) => new(shadow, null);

    public static ValidationTarget Rejected(ValidationTargetProblem problem) => new(null, problem);
}

/// <summary>
/// Finds the shadow of an on-demand validation from a negotiation id or a shadow id, in the event store.
/// </summary>
/// <remarks>
/// Only the current attempt of a negotiation in <see cref="NegotiationStatus.Validating"/> has a
/// configured shadow: the PoolManager removes a shadow when its attempt fails and every shadow when
/// the negotiation ends. The Validator checks the Docker engine again, because the shadow can go
/// between this check and the run.
/// </remarks>
public sealed class ValidationTargets(IDocumentSession session)
{
    /// <summary>Shortest shadow id prefix accepted, the length Docker shows.</summary>
    public const int MinShadowIdPrefix = 12;

    public async Task<ValidationTarget> ByNegotiationAsync(Guid negotiationId, CancellationToken cancellationToken)
    {
        var view = await session.Events.FetchLatest<NegotiationView>(negotiationId, cancellationToken);
        if (view is null)
        {
            return ValidationTarget.Rejected(new ValidationTargetProblem(
                StatusCodes.Status404NotFound, "Negotiation not found", $"No negotiation has the id {negotiationId}."));
        }

        return await CheckAsync(view, shadowId: null, cancellationToken);
    }

    /// <summary>
    /// Finds the shadow by its full Docker container id or a unique prefix of at least
    /// <see cref="MinShadowIdPrefix"/> characters.
    /// </summary>
    public async Task<ValidationTarget> ByShadowAsync(string shadowId, CancellationToken cancellationToken)
    {
        var matches = await session.Events.QueryRawEventDataOnly<ShadowConfigured>()
            .Where(configured => configured.ShadowId.StartsWith(shadowId))
            .Take(10)
            .ToListAsync(cancellationToken);
        var exact = matches.Where(configured => configured.ShadowId == shadowId).ToList();
        var candidates = (exact.Count > 0 ? exact : matches).Select(configured => configured.ShadowId).Distinct(StringComparer.Ordinal).ToList();

        if (candidates.Count == 0)
        {
            return ValidationTarget.Rejected(new ValidationTargetProblem(
                StatusCodes.Status404NotFound, "Shadow not found",
                $"No shadow has the id {shadowId}; GET /negotiation/{{id}} lists each attempt's shadowId."));
        }

        if (candidates.Count > 1)
        {
            return ValidationTarget.Rejected(new ValidationTargetProblem(
                StatusCodes.Status400BadRequest, "The request is invalid",
                $"The shadow id prefix {shadowId} matches several shadows ({string.Join(", ", candidates)}); give more of the id."));
        }

        var negotiationId = matches.First(configured => configured.ShadowId == candidates[0]).NegotiationId;
        var view = await session.Events.FetchLatest<NegotiationView>(negotiationId, cancellationToken);
        if (view is null)
        {
            return ValidationTarget.Rejected(new ValidationTargetProblem(
                StatusCodes.Status404NotFound, "Negotiation not found",
                $"Shadow {candidates[0]} names negotiation {negotiationId}, which has no stream."));
        }

        return await CheckAsync(view, candidates[0], cancellationToken);
    }

    private async Task<ValidationTarget> CheckAsync(NegotiationView view, string? shadowId, CancellationToken cancellationToken)
    {
        var current = view.Attempts.OrderBy(attempt => attempt.Attempt).LastOrDefault();
        var status = view.Status;

        if (shadowId is not null && current?.ShadowId != shadowId)
        {
            var attempt = view.Attempts.FirstOrDefault(candidate => candidate.ShadowId == shadowId)?.Attempt;
            return Conflict(view,
                $"Shadow {shadowId} ran attempt {attempt} of negotiation {view.Id}, which is {status} at attempt {current?.Attempt}; " +
                "the shadow of a superseded attempt is released.");
        }

        if (status != NegotiationStatus.Validating || current?.ShadowId is null)
        {
            return Conflict(view, $"Negotiation {view.Id} is {status}: {WhyNoShadow(status)}");
        }

        var events = await session.Events.FetchStreamAsync(view.Id, token: cancellationToken);
        var released = events.Select(e => e.Data).OfType<ShadowReleased>().Any(release => release.ShadowId == current.ShadowId);
        var configured = events.Select(e => e.Data).OfType<ShadowConfigured>()
            .LastOrDefault(candidate => candidate.Attempt == current.Attempt && candidate.ShadowId == current.ShadowId);

        if (released || configured is null)
        {
            return Conflict(view, $"Negotiation {view.Id} is {status}, but the shadow {current.ShadowId} of attempt {current.Attempt} " +
                (released ? "was released." : "is not configured yet."));
        }

        return ValidationTarget.Found(configured);
    }

    private static ValidationTarget Conflict(NegotiationView view, string detail) =>
        ValidationTarget.Rejected(new ValidationTargetProblem(
            StatusCodes.Status409Conflict, "The shadow cannot be validated in this state", detail, view.Status));

    private static string WhyNoShadow(NegotiationStatus status) => status switch
    {
        NegotiationStatus.Submitted or NegotiationStatus.Proposed or NegotiationStatus.Configuring =>
            "its shadow is not configured yet; a shadow can be validated while the negotiation is Validating.",
        NegotiationStatus.Committed or NegotiationStatus.Failed =>
            "it has ended and its shadows were released.",
        _ => "it has no configured shadow.",
    };
}
