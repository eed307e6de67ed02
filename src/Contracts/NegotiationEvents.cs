namespace EventShadow.Contracts;

/// <summary>
/// Every event type of a negotiation stream, for registration with the event store and the bus.
/// </summary>
public static class NegotiationEvents
{
    public static readonly IReadOnlyList<Type> All =
    [
        typeof(PartialTaskSubmitted),
        typeof(RequirementsAnalyzed),
        typeof(AllocationProposed),
        typeof(ShadowClaimed),
        typeof(ShadowConfigured),
        typeof(ShadowUnavailable),
        typeof(ValidationPassed),
        typeof(ValidationFailed),
        typeof(AllocationCommitted),
        typeof(NegotiationFailed),
        typeof(ShadowReleased),
        typeof(ShadowCostRecorded),
        typeof(UsageRecorded),
        typeof(AllocationReleased),
        typeof(CommittedAllocationPriced),
        typeof(WarmShadowIdled),
        typeof(IdleShadowCostRecorded),

        // On-demand validations, each in a stream of its own keyed by the validation id.
        typeof(ValidateShadow),
        typeof(ValidationStarted),
        typeof(ValidationCompleted),
        typeof(ValidationRejected),
    ];
}
