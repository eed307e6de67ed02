using EventShadow.Contracts;
using EventShadow.Negotiator;
using EventShadow.Negotiator.Allocation;
using EventShadow.Negotiator.Pools;

namespace EventShadow.UnitTests.Negotiator;

public class AlternativesTests
{
    private static readonly ResourcePoolOptions Pools = new()
    {
        Pools =
        [
            new ResourcePoolSettings { Name = "default", CpuMillicores = 8000, MemoryMiB = 16384, VcpuHour = 0.04m, GibHour = 0.005m },
            new ResourcePoolSettings { Name = "spot", CpuMillicores = 8000, MemoryMiB = 16384, VcpuHour = 0.01m, GibHour = 0.001m },
            new ResourcePoolSettings { Name = "gpu", CpuMillicores = 8000, MemoryMiB = 16384, Gpus = 2, VcpuHour = 0.10m, GibHour = 0.01m },
        ],
    };

    [Fact]
    public void Alternatives_rank_tighter_roomier_then_cheaper_pools()
    {
        var alternatives = Alternatives.For(new ResourceAllocation(500, 512), 0, "default", Pools, new NegotiationOptions(), floorMiB: null);

        Assert.Equal(["tighter", "roomier", "pool spot", "pool gpu"], alternatives.Select(alternative => alternative.Label));
        Assert.Equal(new ResourceAllocation(500, 384), alternatives[0].Allocation);
        Assert.Equal(new ResourceAllocation(750, 768), alternatives[1].Allocation);
        Assert.Equal(0.0055m, alternatives[2].HourlyCost); // 0.5 vCPU × 0.01 + 0.5 GiB × 0.001
        Assert.All(alternatives, alternative => Assert.False(string.IsNullOrWhiteSpace(alternative.Rationale)));
    }

    [Fact]
    public void Roomier_rationale_names_capped_memory()
    {
        var alternatives = Alternatives.For(new ResourceAllocation(2000, 8192), 0, "default", Pools, new NegotiationOptions(), floorMiB: null);

        var roomier = alternatives.Single(alternative => alternative.Label == "roomier");
        Assert.Equal(new ResourceAllocation(3000, 8192), roomier.Allocation);
        Assert.StartsWith("50 % more CPU (memory is capped at 8192 MiB by Negotiation:MaxMemoryMiB):", roomier.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Roomier_stays_within_manifest_limit()
    {
        var alternatives = Alternatives.For(
            new ResourceAllocation(500, 64), 0, "default", Pools, new NegotiationOptions(), floorMiB: null, stated: new ResourceBounds(null, 64));

        var roomier = alternatives.Single(alternative => alternative.Label == "roomier");
        Assert.Equal(new ResourceAllocation(750, 64), roomier.Allocation);
        Assert.StartsWith("50 % more CPU (memory is capped at the manifest's limit of 64 MiB):", roomier.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Roomier_rationale_gives_both_shares()
    {
        var alternatives = Alternatives.For(new ResourceAllocation(500, 512), 0, "default", Pools, new NegotiationOptions(), floorMiB: null);

        Assert.StartsWith("50 % more CPU and memory:", alternatives.Single(alternative => alternative.Label == "roomier").Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Tighter_alternative_respects_floor()
    {
        var alternatives = Alternatives.For(new ResourceAllocation(500, 512), 0, "default", Pools, new NegotiationOptions(), floorMiB: 500);

        Assert.Equal(new ResourceAllocation(500, 500), alternatives.Single(alternative => alternative.Label == "tighter").Allocation);
    }

    [Fact]
    public void Pools_without_enough_gpus_are_not_alternatives()
    {
        var alternatives = Alternatives.For(new ResourceAllocation(500, 512), 1, "gpu", Pools, new NegotiationOptions(), floorMiB: null);

        Assert.DoesNotContain(alternatives, alternative => alternative.Label is "pool spot" or "pool default");
    }
}
