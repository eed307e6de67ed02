using EventShadow.Negotiator.Manifests;

namespace EventShadow.UnitTests.Manifests;

public sealed class UnsafeNameTests
{
    [Theory]
    [InlineData("\"\\e[2J\\e[31mpwned\"")]
    [InlineData("\"name\\u202Ereversed\"")]
    [InlineData("\"two\\nlines\"")]
    public void Object_name_with_unprintable_characters_is_rejected(string name)
    {
        var text = $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n    - name: app\n      image: redis:7\n";

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, "pod.yaml"));

        Assert.Contains("control or invisible characters", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', error.Message);
        Assert.DoesNotContain('\u202e', error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Container_name_with_newline_is_rejected()
    {
        const string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: \"a\\n[Deployment/x] committed\"\n      image: redis:7\n";

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, "pod.yaml"));

        Assert.Contains("\\u000A", error.Message, StringComparison.Ordinal);
        Assert.Equal(7, error.Line);
    }

    [Fact]
    public void Compose_service_name_with_escape_is_rejected()
    {
        const string text = "services:\n  \"web\\e[31m\":\n    image: nginx:1.25\n";

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, "compose.yaml"));

        Assert.Contains("\\u001B", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Image_with_space_is_rejected()
    {
        const string text = "services:\n  web:\n    image: \"nginx 1.25\"\n";

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, "compose.yaml"));

        Assert.Contains("the image 'nginx 1.25' has spaces", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Printable_escapes_control_characters()
    {
        Assert.Equal("a\\u001Bb\\u000Ac", TaskCollector.Printable("a\u001bb\nc"));
    }
}
