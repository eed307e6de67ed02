using EventShadow.Negotiator;
using EventShadow.Negotiator.Manifests;
using EventShadow.Negotiator.Submission;

namespace EventShadow.UnitTests.Negotiator;

public sealed class ResourceRangeCheckTests
{
    private static readonly NegotiationOptions Settings = new();

    private static PartialTask Pod(string resources) => Assert.Single(ManifestReader.Read(
        $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: main\n      image: nginx\n      resources:\n{resources}",
        "pod.yaml"));

    [Fact]
    public void Request_above_maximum_names_field_and_line()
    {
        var problem = ResourceRangeCheck.Problem(Pod("        requests:\n          memory: 15Ti\n"), "pod.yaml", Settings);

        Assert.NotNull(problem);
        Assert.StartsWith("15Ti at document 1, spec.containers[0].resources.requests.memory (line 11) asks for 15728640 MiB", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("pod.yaml", problem, StringComparison.Ordinal);
        Assert.Contains("Negotiation:MaxMemoryMiB", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpu_request_above_maximum_is_rejected()
    {
        var problem = ResourceRangeCheck.Problem(Pod("        requests:\n          cpu: \"64\"\n"), "pod.yaml", Settings);

        Assert.Contains("asks for 64000m, more than the largest allocation of 4000m", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Limit_below_minimum_is_rejected()
    {
        var problem = ResourceRangeCheck.Problem(Pod("        limits:\n          memory: 4Mi\n"), "pod.yaml", Settings);

        Assert.Contains("4Mi at document 1, spec.containers[0].resources.limits.memory (line 11) allows 4 MiB", problem, StringComparison.Ordinal);
        Assert.Contains("Negotiation:MinMemoryMiB", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1k", "allows 1 KiB, less than the smallest allocation of 32 MiB")]
    [InlineData("4k", "allows 4 KiB, less than the smallest allocation of 32 MiB")]
    [InlineData("1536k", "allows 1536 KiB, less than")]
    [InlineData("1000b", "allows 1000 bytes, less than")]
    [InlineData("8m", "allows 8 MiB, less than")]
    public void Compose_limit_below_minimum_states_exact_amount(string memLimit, string expected)
    {
        var task = Assert.Single(ManifestReader.Read($"services:\n  web:\n    image: nginx\n    mem_limit: {memLimit}\n", "compose.yaml"));

        var problem = ResourceRangeCheck.Problem(task, "compose.yaml", Settings);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.Contains("Negotiation:MinMemoryMiB", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4Ki", "allows 4 KiB, less than")]
    [InlineData("4k", "allows 4000 bytes, less than")]
    [InlineData("1", "allows 1 byte, less than")]
    [InlineData("0.5Mi", "allows 512 KiB, less than")]
    public void Kubernetes_limit_below_minimum_states_exact_amount(string memory, string expected)
    {
        var problem = ResourceRangeCheck.Problem(Pod($"        limits:\n          memory: \"{memory}\"\n"), "pod.yaml", Settings);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpu_limit_below_minimum_is_rejected()
    {
        var problem = ResourceRangeCheck.Problem(Pod("        limits:\n          cpu: 1m\n"), "pod.yaml", Settings);

        Assert.Contains("allows 1m, less than the smallest allocation of 50m", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("        requests:\n          memory: 10Mi\n")]
    [InlineData("        limits:\n          memory: 64Gi\n          cpu: \"16\"\n")]
    [InlineData("        requests:\n          memory: 8Gi\n          cpu: \"4\"\n")]
    public void Values_an_allocation_can_honour_pass(string resources)
    {
        Assert.Null(ResourceRangeCheck.Problem(Pod(resources), "pod.yaml", Settings));
    }
}
