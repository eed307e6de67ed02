using EventShadow.Contracts;
using EventShadow.Negotiator.Views;
using JasperFx.Events;

namespace EventShadow.UnitTests.Negotiator;

/// <summary>
/// When <see cref="NegotiationView.Settled"/> turns true, built from events the way the projection applies them.
/// </summary>
public sealed class NegotiationSettledTests
{
    private static readonly Guid Id = Guid.CreateVersion7();
    private static readonly DateTimeOffset At = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ResourceAllocation Allocation = new(250, 256);

    private static readonly ContainerSpec Redis =
        new("redis", "redis:7", null, null, new Dictionary<string, string>(), ResourceBounds.None, ResourceBounds.None);

    [Fact]
    public void Commit_without_trial_settles_once_priced()
    {
        var view = Submitted();
        NegotiationViewProjection.Apply(Wrap(new AllocationCommitted(Id, 0, Allocation, At, WithoutTrial: true)), view);

        Assert.False(view.Settled);
        Assert.Equal("", view.Cost.Currency);

        NegotiationViewProjection.Apply(Wrap(Priced(attempt: 0)), view);

        Assert.True(view.Settled);
        Assert.Equal("USD", view.Cost.Currency);
        Assert.Equal(0.01m, view.Cost.CommittedPerHour);
        Assert.NotNull(view.Cost.Savings);
    }

    [Fact]
    public void Commit_after_trial_waits_for_both_prices()
    {
        var view = Submitted();
        ProposeAndClaim(view, "shadow-1");
        NegotiationViewProjection.Apply(Wrap(new AllocationCommitted(Id, 1, Allocation, At)), view);
        NegotiationViewProjection.Apply(Wrap(ShadowCost("shadow-1")), view);

        Assert.False(view.Settled);

        NegotiationViewProjection.Apply(Wrap(Priced(attempt: 1)), view);

        Assert.True(view.Settled);
    }

    [Fact]
    public void Priced_commitment_waits_for_shadow_cost()
    {
        var view = Submitted();
        ProposeAndClaim(view, "shadow-1");
        NegotiationViewProjection.Apply(Wrap(new AllocationCommitted(Id, 1, Allocation, At)), view);
        NegotiationViewProjection.Apply(Wrap(Priced(attempt: 1)), view);

        Assert.False(view.Settled);

        NegotiationViewProjection.Apply(Wrap(ShadowCost("shadow-1")), view);

        Assert.True(view.Settled);
    }

    [Fact]
    public void Failure_before_shadow_settles_without_currency()
    {
        var view = Submitted();
        NegotiationViewProjection.Apply(Wrap(new NegotiationFailed(Id, 0, "no pool can hold the request", At)), view);

        Assert.True(view.Settled);
        Assert.Equal("", view.Cost.Currency);
        Assert.Equal(0m, view.Cost.Amount);
    }

    [Fact]
    public void Failure_waits_for_shadow_cost()
    {
        var view = Submitted();
        ProposeAndClaim(view, "shadow-1");
        NegotiationViewProjection.Apply(Wrap(new NegotiationFailed(Id, 1, "validation failed", At)), view);

        Assert.False(view.Settled);

        NegotiationViewProjection.Apply(Wrap(ShadowCost("shadow-1")), view);

        Assert.True(view.Settled);
        Assert.Equal("USD", view.Cost.Currency);
    }

    [Fact]
    public void Running_negotiation_is_not_settled()
    {
        var view = Submitted();
        ProposeAndClaim(view, "shadow-1");
        NegotiationViewProjection.Apply(Wrap(ShadowCost("shadow-1")), view);

        Assert.False(view.Settled);
    }

    private static NegotiationView Submitted() =>
        NegotiationViewProjection.Create(Wrap(new PartialTaskSubmitted(Id, "Deployment/redis/redis", "redis.yaml", "kubernetes", Redis, At)));

    private static void ProposeAndClaim(NegotiationView view, string shadowId)
    {
        NegotiationViewProjection.Apply(Wrap(new AllocationProposed(Id, 1, Allocation, "profile default", WorkloadProfile.Cache, Redis)), view);
        NegotiationViewProjection.Apply(Wrap(new ShadowClaimed(Id, 1, shadowId, "shadow-redis", "redis:7", ColdStart: false, At)), view);
    }

    private static ShadowCostRecorded ShadowCost(string shadowId) =>
        new(Id, 1, shadowId, ShadowSeconds: 30, Cost: 0.000125m, "USD", "default", "2025-01");

    private static CommittedAllocationPriced Priced(int attempt) =>
        new(Id, attempt, "default", WorkloadProfile.Cache, Allocation, 0, At, "2025-01", "USD", 0.01m,
            new AllocationSavings(new ResourceAllocation(500, 512), "profile default", 0.25, 0.25, 0, 0, 0.01m, 0m, "less than the profile default"));

    private static Event<T> Wrap<T>(T data) where T : notnull => new(data) { Timestamp = At };
}
