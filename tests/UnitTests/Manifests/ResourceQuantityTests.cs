using EventShadow.Negotiator.Manifests;

namespace EventShadow.UnitTests.Manifests;

public sealed class ResourceQuantityTests
{
    private static readonly ManifestLocation Location = new("quantities.yaml", 1, "resources.limits.memory", 7);

    [Theory]
    [InlineData("128974848", 123)]
    [InlineData("129e6", 124)]
    [InlineData("129M", 124)]
    [InlineData("123Mi", 123)]
    [InlineData("1Gi", 1024)]
    [InlineData("1k", 1)]
    [InlineData("1Ki", 1)]
    [InlineData("1.5Gi", 1536)]
    [InlineData(".5Gi", 512)]
    [InlineData("2.Gi", 2048)]
    [InlineData("+1Gi", 1024)]
    [InlineData("0.000001E", 953675)]
    [InlineData("1E3", 1)]
    [InlineData("1e-3", 1)]
    [InlineData("500m", 1)]
    [InlineData("0", 0)]
    [InlineData("0Gi", 0)]
    [InlineData("1", 1)]
    [InlineData("1048576", 1)]
    [InlineData("1048577", 2)]
    [InlineData("1Ti", 1048576)]
    [InlineData("16Ti", 16777216)]
    [InlineData("0.015625Pi", 16777216)]
    public void KubernetesMemory_ParsesToMebibytesRoundedUp(string text, int expectedMiB)
    {
        Assert.Equal(expectedMiB, ResourceQuantity.ParseKubernetesMemory(text, Location));
    }

    [Theory]
    [InlineData("33554431", 31)]
    [InlineData("32Mi", 32)]
    [InlineData("256M", 244)]
    [InlineData("4Ki", 0)]
    public void KubernetesMemoryLimit_RoundsDown(string text, int expectedMiB) =>
        Assert.Equal(expectedMiB, ResourceQuantity.ParseKubernetesMemoryLimit(text, Location));

    [Theory]
    [InlineData("32767k", 31)]
    [InlineData("32m", 32)]
    [InlineData("4k", 0)]
    public void ComposeMemoryLimit_RoundsDown(string text, int expectedMiB) =>
        Assert.Equal(expectedMiB, ResourceQuantity.ParseComposeBytesLimit(text, Location));

    [Theory]
    [InlineData("100m", 100)]
    [InlineData("0.5", 500)]
    [InlineData("1", 1000)]
    [InlineData("2.5", 2500)]
    [InlineData("2000m", 2000)]
    [InlineData("0.1m", 1)]
    [InlineData("250.5m", 251)]
    [InlineData("1.0001", 1001)]
    [InlineData("500000u", 500)]
    [InlineData("1e3", 1000000)]
    [InlineData("1k", 1000000)]
    [InlineData("1Ki", 1024000)]
    [InlineData("1024", 1024000)]
    [InlineData("0", 0)]
    public void KubernetesCpu_ParsesToMillicoresRoundedUp(string text, int expectedMillicores)
    {
        Assert.Equal(expectedMillicores, ResourceQuantity.ParseKubernetesCpu(text, Location));
    }

    [Theory]
    [InlineData("512m", 512)]
    [InlineData("1g", 1024)]
    [InlineData("1gb", 1024)]
    [InlineData("1GiB", 1024)]
    [InlineData("1.5G", 1536)]
    [InlineData("512 MB", 512)]
    [InlineData("100k", 1)]
    [InlineData("2048", 1)]
    [InlineData("1048576", 1)]
    [InlineData("1048577b", 2)]
    [InlineData("16t", 16777216)]
    public void ComposeBytes_ParseToMebibytesRoundedUp(string text, int expectedMiB)
    {
        Assert.Equal(expectedMiB, ResourceQuantity.ParseComposeBytes(text, Location));
    }

    [Theory]
    [InlineData("0.5", 500)]
    [InlineData("1.5", 1500)]
    [InlineData("2", 2000)]
    [InlineData("0.0001", 1)]
    [InlineData("1024", 1024000)]
    public void ComposeCpus_ParseToMillicoresRoundedUp(string text, int expectedMillicores)
    {
        Assert.Equal(expectedMillicores, ResourceQuantity.ParseComposeCpus(text, Location));
    }

    [Theory]
    [InlineData("12Zi", "unknown suffix 'Zi'")]
    [InlineData("-1Gi", "negative values are not accepted")]
    [InlineData("1e400", "does not fit in a 64-bit number")]
    [InlineData("1e999999999999", "does not fit in a 64-bit number")]
    [InlineData("17Ti", "above the maximum of 16 TiB")]
    [InlineData("1E", "above the maximum of 16 TiB")]
    [InlineData("1Pi", "above the maximum of 16 TiB")]
    [InlineData("abc", "does not start with a number")]
    [InlineData("", "the value is empty")]
    [InlineData("1.2.3", "unknown suffix '.3'")]
    [InlineData("1e", "unknown suffix 'e'")]
    [InlineData("1 Gi", "unknown suffix ' Gi'")]
    [InlineData("1mi", "unknown suffix 'mi'")]
    public void KubernetesMemory_RejectsInvalidValue(string text, string expectedProblem)
    {
        var error = Assert.Throws<ManifestException>(() => ResourceQuantity.ParseKubernetesMemory(text, Location));

        Assert.Contains(expectedProblem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("quantities.yaml: document 1, resources.limits.memory (line 7): ", error.Message, StringComparison.Ordinal);
        Assert.Equal("resources.limits.memory", error.Path);
        Assert.Equal(7, error.Line);
    }

    [Theory]
    [InlineData("2000", "above the maximum of 1024 cores")]
    [InlineData("1025", "above the maximum of 1024 cores")]
    [InlineData("-500m", "negative values are not accepted")]
    [InlineData("1x", "unknown suffix 'x'")]
    [InlineData("1e400", "does not fit in a 64-bit number")]
    public void KubernetesCpu_RejectsInvalidValue(string text, string expectedProblem)
    {
        var error = Assert.Throws<ManifestException>(() => ResourceQuantity.ParseKubernetesCpu(text, Location));

        Assert.Contains(expectedProblem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12zb", "unknown unit 'zb'")]
    [InlineData("-1g", "negative values are not accepted")]
    [InlineData("17t", "above the maximum of 16 TiB")]
    [InlineData("1ib", "unknown unit 'ib'")]
    [InlineData("1e3", "unknown unit 'e3'")]
    public void ComposeBytes_RejectInvalidValue(string text, string expectedProblem)
    {
        var error = Assert.Throws<ManifestException>(() => ResourceQuantity.ParseComposeBytes(text, Location));

        Assert.Contains(expectedProblem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.5x", "unexpected 'x' after the number")]
    [InlineData("500m", "unexpected 'm' after the number")]
    [InlineData("-1", "negative values are not accepted")]
    [InlineData("2000", "above the maximum of 1024 cores")]
    public void ComposeCpus_RejectInvalidValue(string text, string expectedProblem)
    {
        var error = Assert.Throws<ManifestException>(() => ResourceQuantity.ParseComposeCpus(text, Location));

        Assert.Contains(expectedProblem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectedValue_MessageStatesAcceptedForms()
    {
        var error = Assert.Throws<ManifestException>(() => ResourceQuantity.ParseKubernetesMemory("12Zi", Location));

        Assert.Contains("Accepted: a non-negative number of bytes with an optional suffix", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ki, Mi, Gi, Ti, Pi, Ei", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("512m", 512)]
    [InlineData("2g", 2048)]
    [InlineData("2G", 2048)]
    [InlineData("1024k", 1)]
    [InlineData("536870912", 512)]
    [InlineData("1t", 1048576)]
    [InlineData("1.5g", null)]
    [InlineData("512mb", null)]
    [InlineData("512mi", null)]
    [InlineData("$HEAP", null)]
    [InlineData("", null)]
    public void JvmSize_ParsesLikeTheJvm(string text, int? expectedMiB)
    {
        Assert.Equal(expectedMiB, ResourceQuantity.TryParseJvmSizeMiB(text));
    }
}
