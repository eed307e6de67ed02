using EventShadow.Contracts;
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

    private static PartialTask ComposeService(string settings) => Assert.Single(ManifestReader.Read(
        $"services:\n  web:\n    image: nginx:1.25\n{settings}", "compose.yaml"));

    [Fact]
    public void Request_above_maximum_names_field_and_line()
    {
        var error = ResourceRangeCheck.Check(Pod("        requests:\n          memory: 15Ti\n"), "pod.yaml", Settings);

        Assert.NotNull(error);
        Assert.Equal("pod.yaml", error.SourceName);
        Assert.Equal(1, error.Document);
        Assert.Equal("spec.containers[0].resources.requests.memory", error.Path);
        Assert.Equal(11, error.Line);
        Assert.StartsWith(
            "pod.yaml: document 1, spec.containers[0].resources.requests.memory (line 11): the memory request 15Ti asks for 15728640 MiB",
            error.Message, StringComparison.Ordinal);
        Assert.Contains("Negotiation:MaxMemoryMiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_names_source_once()
    {
        var error = ResourceRangeCheck.Check(Pod("        requests:\n          memory: 16Gi\n"), "pod.yaml", Settings);

        Assert.NotNull(error);
        Assert.Equal(error.Message.IndexOf("pod.yaml", StringComparison.Ordinal), error.Message.LastIndexOf("pod.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void Cpu_request_above_maximum_is_rejected()
    {
        var error = ResourceRangeCheck.Check(Pod("        requests:\n          cpu: \"64\"\n"), "pod.yaml", Settings);

        Assert.NotNull(error);
        Assert.Equal("spec.containers[0].resources.requests.cpu", error.Path);
        Assert.Contains("the CPU request 64 asks for 64000m, more than the largest allocation of 4000m", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Limit_below_minimum_is_rejected()
    {
        var error = ResourceRangeCheck.Check(Pod("        limits:\n          memory: 4Mi\n"), "pod.yaml", Settings);

        Assert.NotNull(error);
        Assert.Equal("spec.containers[0].resources.limits.memory", error.Path);
        Assert.Equal(11, error.Line);
        Assert.Contains("the memory limit 4Mi allows 4 MiB", error.Message, StringComparison.Ordinal);
        Assert.Contains("Negotiation:MinMemoryMiB", error.Message, StringComparison.Ordinal);
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

        var error = ResourceRangeCheck.Check(task, "compose.yaml", Settings);

        Assert.NotNull(error);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("Negotiation:MinMemoryMiB", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4Ki", "allows 4 KiB, less than")]
    [InlineData("4k", "allows 4000 bytes, less than")]
    [InlineData("1", "allows 1 byte, less than")]
    [InlineData("0.5Mi", "allows 512 KiB, less than")]
    public void Kubernetes_limit_below_minimum_states_exact_amount(string memory, string expected)
    {
        var error = ResourceRangeCheck.Check(Pod($"        limits:\n          memory: \"{memory}\"\n"), "pod.yaml", Settings);

        Assert.NotNull(error);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpu_limit_below_minimum_is_rejected()
    {
        var error = ResourceRangeCheck.Check(Pod("        limits:\n          cpu: 1m\n"), "pod.yaml", Settings);

        Assert.NotNull(error);
        Assert.Equal("spec.containers[0].resources.limits.cpu", error.Path);
        Assert.Contains("the CPU limit 1m allows 1m, less than the smallest allocation of 50m", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("    mem_limit: 32767k\n", "allows 32767 KiB, less than the smallest allocation of 32 MiB")]
    [InlineData("    mem_limit: \"33554431\"\n", "allows 33554431 bytes, less than the smallest allocation of 32 MiB")]
    public void Compose_limit_just_below_minimum_is_rejected(string settings, string expected)
    {
        var error = ResourceRangeCheck.Check(ComposeService(settings), "compose.yaml", Settings);

        Assert.NotNull(error);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_limit_just_below_minimum_is_rejected()
    {
        // One byte less than 32Mi used to round up to the 32 MiB minimum and pass.
        var error = ResourceRangeCheck.Check(Pod("        limits:\n          memory: \"33554431\"\n"), "pod.yaml", Settings);

        Assert.NotNull(error);
        Assert.Contains("allows 33554431 bytes, less than the smallest allocation of 32 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_mem_limit_below_minimum_is_located()
    {
        var error = ResourceRangeCheck.Check(ComposeService("    mem_limit: 4k\n"), "compose.yaml", Settings);

        Assert.NotNull(error);
        Assert.Equal(1, error.Document);
        Assert.Equal("services.web.mem_limit", error.Path);
        Assert.Equal(4, error.Line);
        Assert.Contains("the memory limit 4k allows 4 KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_reservation_above_maximum_is_located()
    {
        var error = ResourceRangeCheck.Check(
            ComposeService("    deploy:\n      resources:\n        reservations:\n          memory: 20g\n"), "compose.yaml", Settings);

        Assert.NotNull(error);
        Assert.Equal("services.web.deploy.resources.reservations.memory", error.Path);
        Assert.Equal(7, error.Line);
        Assert.Contains("the memory request 20g asks for 20480 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Native_form_request_is_located()
    {
        var task = Assert.Single(ManifestReader.Read(
            "{\"name\": \"web\", \"image\": \"nginx\",\n \"requests\": {\"cpu\": \"8\"}}", "web.json"));

        var error = ResourceRangeCheck.Check(task, "web.json", Settings);

        Assert.NotNull(error);
        Assert.Equal("requests.cpu", error.Path);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Second_document_is_located()
    {
        var tasks = ManifestReader.Read(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: small\nspec:\n  containers:\n    - name: main\n      image: nginx\n" +
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: large\nspec:\n  containers:\n    - name: main\n      image: nginx\n" +
            "      resources:\n        requests:\n          memory: 16Gi\n",
            "pods.yaml");

        Assert.Null(ResourceRangeCheck.Check(tasks[0], "pods.yaml", Settings));
        var error = ResourceRangeCheck.Check(tasks[1], "pods.yaml", Settings);

        Assert.NotNull(error);
        Assert.Equal(2, error.Document);
        Assert.Equal("spec.containers[0].resources.requests.memory", error.Path);
        Assert.Equal(20, error.Line);
        Assert.StartsWith("pods.yaml: document 2, spec.containers[0].resources.requests.memory (line 20): the memory request 16Gi",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Task_without_written_quantity_names_task()
    {
        var container = new ContainerSpec("web", "nginx", null, null, new Dictionary<string, string>(),
            new ResourceBounds(null, 20480), ResourceBounds.None);
        var task = new PartialTask("json/web", ManifestFormats.Json, container, []);

        var error = ResourceRangeCheck.Check(task, "web.json", Settings);

        Assert.NotNull(error);
        Assert.Null(error.Path);
        Assert.StartsWith("web.json: the memory request of task json/web asks for 20480 MiB", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("        requests:\n          memory: 10Mi\n")]
    [InlineData("        limits:\n          memory: 64Gi\n          cpu: \"16\"\n")]
    [InlineData("        requests:\n          memory: 8Gi\n          cpu: \"4\"\n")]
    public void Values_an_allocation_can_honour_pass(string resources)
    {
        Assert.Null(ResourceRangeCheck.Check(Pod(resources), "pod.yaml", Settings));
    }
}
