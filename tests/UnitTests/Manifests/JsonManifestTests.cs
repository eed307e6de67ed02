using EventShadow.Contracts;
using EventShadow.Negotiator.Manifests;
using static EventShadow.UnitTests.Manifests.ManifestAssert;

namespace EventShadow.UnitTests.Manifests;

public sealed class JsonManifestTests
{
    [Fact]
    public void KubernetesJson_IsReadWithLines()
    {
        // Indented with tabs, as many JSON writers do; YAML forbids tabs only for block indentation.
        const string text = "{\n\t\"apiVersion\": \"apps/v1\",\n\t\"kind\": \"Deployment\",\n\t\"metadata\": {\"name\": \"redis\"},\n"
            + "\t\"spec\": {\n\t\t\"template\": {\n\t\t\t\"spec\": {\n\t\t\t\t\"containers\": [\n"
            + "\t\t\t\t\t{\"name\": \"redis\", \"image\": \"redis:7\",\n"
            + "\t\t\t\t\t \"resources\": {\"limits\": {\"memory\": \"256Mi\", \"cpu\": 0.5}}}\n"
            + "\t\t\t\t]\n\t\t\t}\n\t\t}\n\t}\n}\n";

        var task = Assert.Single(ManifestReader.Read(text, "redis.json"));

        Assert.Equal("Deployment/redis/redis", task.Name);
        Assert.Equal("kubernetes", task.Format);
        Assert.Equal(new ResourceBounds(500, 256), task.Container.Limits);
        Assert.Equal(
            "redis.json: document 1, spec.template.spec.containers[0].resources.limits.memory (line 10)",
            Hint(task, "memory-limit").Source);
    }

    [Fact]
    public void ComposeJson_IsRead()
    {
        const string text = """{"services": {"web": {"image": "nginx:1.25", "command": ["nginx", "-g", "daemon off;"], "mem_limit": "256m"}}}""";

        var task = Assert.Single(ManifestReader.Read(text, "compose.json"));

        Assert.Equal("compose/web", task.Name);
        Assert.Equal("compose", task.Format);
        Assert.Equal(["nginx", "-g", "daemon off;"], task.Container.Args);
        Assert.Equal(256, task.Container.Limits.MemoryMiB);
    }

    [Fact]
    public void NativeForm_IsRead()
    {
        const string text = """
            {
              "name": "web",
              "image": "nginx:1.25",
              "command": ["nginx"],
              "args": ["-g", "daemon off;"],
              "env": {"MODE": "production", "WORKERS": 4},
              "requests": {"cpu": "250m", "memory": "128Mi"},
              "limits": {"cpu": 1, "memory": "256Mi", "nvidia.com/gpu": 1}
            }
            """;

        var task = Assert.Single(ManifestReader.Read(text, "web.json"));

        Assert.Equal("json/web", task.Name);
        Assert.Equal("json", task.Format);
        Assert.Equal("web", task.Container.Name);
        Assert.Equal("nginx:1.25", task.Container.Image);
        Assert.Equal(["nginx"], task.Container.Command);
        Assert.Equal(["-g", "daemon off;"], task.Container.Args);
        Assert.Equal("production", task.Container.Environment["MODE"]);
        Assert.Equal("4", task.Container.Environment["WORKERS"]);
        Assert.Equal(new ResourceBounds(250, 128), task.Container.Requests);
        Assert.Equal(new ResourceBounds(1000, 256), task.Container.Limits);
        Assert.Equal(new ResourceHint("image", "nginx:1.25", "web.json: document 1, image (line 3)"), Hint(task, "image"));
        Assert.Equal(new ResourceHint("memory-limit", "256Mi", "web.json: document 1, limits.memory (line 8)"), Hint(task, "memory-limit"));
        Assert.Equal("1", Hint(task, "nvidia.com/gpu-limit").Value);
    }

    [Fact]
    public void NativeFormWithoutName_IsRejected()
    {
        const string text = "{\"image\": \"nginx\"}";

        Rejects(text, "web.json", 1, "name", 1, "the native form needs a task name");
    }

    [Fact]
    public void NativeFormUnknownKey_IsRejected()
    {
        const string text = "{\n  \"name\": \"web\",\n  \"image\": \"nginx\",\n  \"requets\": {\"cpu\": \"1\"}\n}";

        Rejects(text, "web.json", 1, "requets", 4, "unknown key 'requets' in the native form. Accepted keys: name, image, command, args, env, requests, limits");
    }

    [Fact]
    public void NativeFormEmptyImage_IsRejected()
    {
        const string text = "{\"name\": \"web\", \"image\": \"\"}";

        Rejects(text, "web.json", 1, "image", 1, "task 'web' has an empty image");
    }

    [Fact]
    public void NativeFormInvalidQuantity_IsRejected()
    {
        const string text = "{\n  \"name\": \"web\",\n  \"image\": \"nginx\",\n  \"limits\": {\n    \"memory\": \"1e400\"\n  }\n}";

        Rejects(text, "web.json", 1, "limits.memory", 5, "does not fit in a 64-bit number");
    }

    [Fact]
    public void InvalidJson_IsRejectedWithLine()
    {
        const string text = "{\n  \"name\": \"web\",,\n  \"image\": \"nginx\"\n}";

        Rejects(text, "web.json", 1, null, 2, "the text is not valid YAML or JSON");
    }

    [Fact]
    public void JsonArray_IsRejected()
    {
        const string text = """[{"name": "web", "image": "nginx"}]""";

        Rejects(text, "web.json", 1, null, 1, "the document is a list");
    }
}
