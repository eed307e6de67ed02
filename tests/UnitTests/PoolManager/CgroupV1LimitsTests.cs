using EventShadow.PoolManager;

namespace EventShadow.UnitTests.PoolManager;

public sealed class CgroupV1LimitsTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Raise_writes_swap_limit_first()
    {
        var writes = CgroupV1Limits.MemoryWrites(currentLimitBytes: 48 * MiB, newLimitBytes: 160 * MiB, hasSwapLimit: true);

        Assert.Equal(
            [new CgroupWrite("memory.memsw.limit_in_bytes", "167772160"), new CgroupWrite("memory.limit_in_bytes", "167772160")],
            writes);
    }

    [Fact]
    public void Cut_writes_memory_limit_first()
    {
        var writes = CgroupV1Limits.MemoryWrites(currentLimitBytes: 256 * MiB, newLimitBytes: 64 * MiB, hasSwapLimit: true);

        Assert.Equal(
            [new CgroupWrite("memory.limit_in_bytes", "67108864"), new CgroupWrite("memory.memsw.limit_in_bytes", "67108864")],
            writes);
    }

    [Fact]
    public void Without_swap_accounting_writes_memory_only()
    {
        var writes = CgroupV1Limits.MemoryWrites(currentLimitBytes: 48 * MiB, newLimitBytes: 160 * MiB, hasSwapLimit: false);

        Assert.Equal([new CgroupWrite("memory.limit_in_bytes", "167772160")], writes);
    }

    [Fact]
    public void Unlimited_current_limit_is_cut()
    {
        // The kernel reports "no limit" as a page-aligned maximum of a signed 64-bit number.
        var writes = CgroupV1Limits.MemoryWrites(currentLimitBytes: 9223372036854771712, newLimitBytes: 64 * MiB, hasSwapLimit: true);

        Assert.Equal("memory.limit_in_bytes", writes[0].File);
    }

    [Theory]
    [InlineData(250_000_000L, 100_000L, 25_000L)]
    [InlineData(2_000_000_000L, 100_000L, 200_000L)]
    [InlineData(300_000_000L, 50_000L, 15_000L)]
    [InlineData(1_000_000L, 100_000L, 1_000L)]
    [InlineData(333_333_333L, 100_000L, 33_333L)]
    public void Cpu_quota_is_share_of_period(long nanoCpus, long period, long expected)
    {
        Assert.Equal(expected, CgroupV1Limits.CpuQuotaMicroseconds(nanoCpus, period));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void Memory_limit_must_be_positive(long limit)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CgroupV1Limits.MemoryWrites(48 * MiB, limit, hasSwapLimit: true));
    }
}
