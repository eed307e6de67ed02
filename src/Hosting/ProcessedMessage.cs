namespace EventShadow.Hosting;

/// <summary>
/// Record that a consumer finished with a message. It is inserted in the same transaction as the
/// events the consumer appends, so a redelivered message finds it and changes nothing.
/// </summary>
/// <param name="Id">Consumer name and message id, for example <c>validator:3f2a…</c>.</param>
public sealed record ProcessedMessage(string Id, Guid NegotiationId, DateTimeOffset ProcessedAt);
