using EventShadow.Validator;

namespace EventShadow.UnitTests.Validator;

public sealed class CgroupFilesTests
{
    [Fact]
    public void ParseSingleValue_reads_max_usage_in_bytes()
    {
        Assert.Equal(67_108_864, CgroupFiles.ParseSingleValue("67108864\n"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("max\n")]
    [InlineData("-1")]
    [InlineData("cat: /sys/fs/cgroup/memory.peak: No such file or directory")]
    public void ParseSingleValue_returns_null_for_text_without_a_number(string text)
    {
        Assert.Null(CgroupFiles.ParseSingleValue(text));
    }

    [Fact]
    public void ParseOomKillCount_reads_v1_oom_control()
    {
        const string oomControl = "oom_kill_disable 0\nunder_oom 0\noom_kill 28\n";

        Assert.Equal(28, CgroupFiles.ParseOomKillCount(oomControl));
    }

    [Fact]
    public void ParseOomKillCount_reads_v2_memory_events()
    {
        const string memoryEvents = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";

        Assert.Equal(2, CgroupFiles.ParseOomKillCount(memoryEvents));
    }

    [Fact]
    public void ParseOomKillCount_without_oom_kill_line()
    {
        // Kernels before 4.13 write no oom_kill line into memory.oom_control.
        const string oomControl = "oom_kill_disable 0\nunder_oom 0\n";

        Assert.Null(CgroupFiles.ParseOomKillCount(oomControl));
    }

    [Fact]
    public void ParseCpuThrottling_reads_v1_cpu_stat()
    {
        const string cpuStat = "nr_periods 120\nnr_throttled 45\nthrottled_time 912345678\nnr_bursts 0\nburst_time 0\n";

        var (periods, throttled) = CgroupFiles.ParseCpuThrottling(cpuStat);

        Assert.Equal(120, periods);
        Assert.Equal(45, throttled);
    }

    [Fact]
    public void ParseCpuThrottling_reads_v2_cpu_stat()
    {
        const string cpuStat =
            "usage_usec 81234\nuser_usec 60000\nsystem_usec 21234\nnr_periods 30\nnr_throttled 3\nthrottled_usec 12000\n";

        var (periods, throttled) = CgroupFiles.ParseCpuThrottling(cpuStat);

        Assert.Equal(30, periods);
        Assert.Equal(3, throttled);
    }

    [Fact]
    public void ParseCpuThrottling_without_cpu_quota()
    {
        // cgroup v2 writes nr_periods and nr_throttled only while the cpu controller is enabled.
        const string cpuStat = "usage_usec 81234\nuser_usec 60000\nsystem_usec 21234\n";

        var (periods, throttled) = CgroupFiles.ParseCpuThrottling(cpuStat);

        Assert.Null(periods);
        Assert.Null(throttled);
    }

    [Fact]
    public void ParseKeyedValues_skips_malformed_lines()
    {
        var values = CgroupFiles.ParseKeyedValues("nr_periods 7\ngarbage\n\nnr_throttled x\n  oom_kill   4  \n");

        Assert.Equal(2, values.Count);
        Assert.Equal(7, values["nr_periods"]);
        Assert.Equal(4, values["oom_kill"]);
    }

    [Fact]
    public void PeakMemoryMiB_converts_bytes_to_mebibytes()
    {
        var stats = new CgroupStats(PeakMemoryBytes: 268_435_456, OomKillCount: 0, CpuPeriods: null, ThrottledPeriods: null);

        Assert.Equal(256.0, stats.PeakMemoryMiB);
    }

    [Fact]
    public void ParseCombined_reads_v1_files_in_one_output()
    {
        const string output = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n268435456\nnr_periods 91\nnr_throttled 23\nthrottled_time 1843000000\n";

        var stats = CgroupFiles.ParseCombined(output);

        Assert.Equal(268_435_456, stats.PeakMemoryBytes);
        Assert.Equal(2, stats.OomKillCount);
        Assert.Equal(91, stats.CpuPeriods);
        Assert.Equal(23, stats.ThrottledPeriods);
    }

    [Fact]
    public void ParseCombined_reads_v2_files_in_one_output()
    {
        const string output = "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n14417920\nusage_usec 812\nuser_usec 500\nsystem_usec 312\nnr_periods 12\nnr_throttled 3\nthrottled_usec 900\n";

        var stats = CgroupFiles.ParseCombined(output);

        Assert.Equal(14_417_920, stats.PeakMemoryBytes);
        Assert.Equal(1, stats.OomKillCount);
        Assert.Equal(12, stats.CpuPeriods);
        Assert.Equal(3, stats.ThrottledPeriods);
    }

    [Fact]
    public void ParseCombined_without_cpu_quota_leaves_periods_unknown()
    {
        var stats = CgroupFiles.ParseCombined("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n1048576\nnr_periods 0\n");

        Assert.Equal(1_048_576, stats.PeakMemoryBytes);
        Assert.Equal(0, stats.OomKillCount);
        Assert.Null(stats.ThrottledPeriods);
    }
}
