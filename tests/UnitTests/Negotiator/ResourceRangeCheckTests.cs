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
