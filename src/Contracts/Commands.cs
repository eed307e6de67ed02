namespace EventShadow.Contracts;

/// <summary>
/// Asks EventShadow to negotiate an allocation for every task in a partial task definition.
/// Other systems publish it on RabbitMQ; <c>POST /negotiate</c> does the same over HTTP.
/// </summary>
/// <param name="NegotiationId">
/// Id of the first task's negotiation, chosen by the sender so that a repeated submission is recognised.
/// Later tasks of the same definition get ids derived from it.
/// </param>
/// <param name="Definition">The definition as text: Kubernetes YAML, docker-compose YAML or JSON.</param>
/// <param name="SourceName">Where the definition came from, such as a file name; used in hint provenance.</param>
public sealed record SubmitPartialTask(Guid NegotiationId, string Definition, string? SourceName);

/// <summary>
/// A negotiation's deadline, or its current attempt's, passed without a result. The Negotiator's
/// deadline watcher publishes it for the saga; it is not stored, as the saga's answer is.
/// </summary>
/// <param name="Attempt">The attempt that was current when the deadline was found passed.</param>
public sealed record NegotiationDeadlinePassed(Guid NegotiationId, int Attempt, DateTimeOffset DeadlineAt);
