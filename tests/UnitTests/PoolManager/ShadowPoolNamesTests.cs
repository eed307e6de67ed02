using EventShadow.Contracts;
using EventShadow.PoolManager;
using EventShadow.PoolManager.Pools;

namespace EventShadow.UnitTests.PoolManager;

public sealed class ShadowPoolNamesTests
{
    [Fact]
    public void Claimed_name_round_trips()
    {
        var negotiationId = Guid.NewGuid();

        var parsed = ShadowLabels.ParseContainerName("/" + ShadowLabels.ContainerName(negotiationId, 3));

        Assert.Equal((negotiationId, 3), parsed);
    }

    [Theory]
    [InlineData("eventshadow-warm-cache-0123456789abcdef0123456789abcdef")]
    [InlineData("eventshadow-test-plain-0123")]
    [InlineData("redis")]
    [InlineData("eventshadow-0123456789abcdef0123456789abcdef-x")]
    public void Other_names_are_not_claims(string name)
    {
        Assert.Null(ShadowLabels.ParseContainerName(name));
    }

    [Fact]
    public void Warm_name_is_recognised()
    {
        var name = ShadowLabels.WarmContainerName("Cache");

        Assert.StartsWith("eventshadow-warm-cache-", name, StringComparison.Ordinal);
        Assert.True(ShadowLabels.IsWarmName("/" + name));
        Assert.False(ShadowLabels.IsWarmName(ShadowLabels.ContainerName(Guid.NewGuid(), 1)));
    }

    [Theory]
    [InlineData(ShadowLabels.Origin, ShadowLabels.WarmOrigin, true)]
    [InlineData(ShadowLabels.Origin, ShadowLabels.ColdOrigin, false)]
    [InlineData(ShadowLabels.LegacyState, "warm", true)]
    [InlineData(ShadowLabels.LegacyState, "claimed", false)]
    public void Warm_origin_is_read_from_labels(string label, string value, bool warmBorn)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { [ShadowLabels.Shadow] = "true", [label] = value };

        Assert.Equal(warmBorn, ShadowLabels.IsWarmBorn(labels));
    }

    [Fact]
    public void Origin_label_overrides_legacy_state()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ShadowLabels.Origin] = ShadowLabels.ColdOrigin,
            [ShadowLabels.LegacyState] = "warm",
        };

        Assert.False(ShadowLabels.IsWarmBorn(labels));
    }

    [Fact]
    public void Container_without_labels_is_not_warm_born()
    {
        Assert.False(ShadowLabels.IsWarmBorn(null));
    }

    [Fact]
    public void Shape_ignores_capability_order_and_case()
    {
        Assert.Equal(
            ShadowLabels.ShapeOf("eventshadow/workload:1", false, ["SETUID", "chown"], "redis"),
            ShadowLabels.ShapeOf("EventShadow/Workload:1", false, ["CHOWN", "SETUID"], "redis"));
        Assert.NotEqual(
            ShadowLabels.ShapeOf("eventshadow/workload:1", true, [], null),
            ShadowLabels.ShapeOf("eventshadow/workload:1", false, [], null));
        Assert.NotEqual(
            ShadowLabels.ShapeOf("eventshadow/workload:1", true, [], null),
            ShadowLabels.ShapeOf("eventshadow/workload:1", true, [], "postgres"));
    }

    [Fact]
    public void Pool_stream_id_is_stable_per_pool_and_profile()
    {
        Assert.Equal(ShadowPoolJournal.StreamId("default", WorkloadProfile.Cache), ShadowPoolJournal.StreamId("default", WorkloadProfile.Cache));
        Assert.NotEqual(ShadowPoolJournal.StreamId("default", WorkloadProfile.Cache), ShadowPoolJournal.StreamId("default", WorkloadProfile.Database));
        Assert.NotEqual(ShadowPoolJournal.StreamId("default", WorkloadProfile.Cache), ShadowPoolJournal.StreamId("other", WorkloadProfile.Cache));
    }
}
