using CsCheck;
using EventShadow.PoolManager;

namespace EventShadow.UnitTests.PoolManager;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("redis", "redis")]
    [InlineData("redis:7", "redis")]
    [InlineData("redis:7-alpine", "redis")]
    [InlineData("library/redis", "library/redis")]
    [InlineData("docker.io/library/redis:7-alpine", "library/redis")]
    [InlineData("bitnami/redis:7.2", "bitnami/redis")]
    [InlineData("gcr.io/google-samples/gb-frontend:v5", "google-samples/gb-frontend")]
    [InlineData("localhost/app:1", "app")]
    [InlineData("localhost:5000/team/app:1", "team/app")]
    [InlineData("registry.example.com:5000/team/app", "team/app")]
    [InlineData("postgres@sha256:0123456789abcdef", "postgres")]
    [InlineData("postgres:15@sha256:0123456789abcdef", "postgres")]
    [InlineData("  nginx:1.25  ", "nginx")]
    public void Repository_removes_registry_tag_and_digest(string reference, string expected)
    {
        Assert.Equal(expected, ImageReference.Repository(reference));
    }

    [Fact]
    public void Repository_keeps_first_segment_without_dot_or_colon()
    {
        Assert.Equal("myteam/app", ImageReference.Repository("myteam/app:2"));
    }

    [Theory]
    [InlineData("library/redis", "redis")]
    [InlineData("redis", "redis")]
    [InlineData("a/b/c", "c")]
    public void LastSegment_returns_name_after_last_slash(string repository, string expected)
    {
        Assert.Equal(expected, ImageReference.LastSegment(repository));
    }

    [Fact]
    public void Repository_of_generated_references_is_path()
    {
        var segment = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"], 1, 12]
            .Where(text => char.IsAsciiLetterLower(text[0]));
        var path = segment.Array[1, 3].Select(segments => string.Join('/', segments));
        var registry = Gen.OneOf("", "docker.io/", "gcr.io/", "localhost/", "localhost:5000/", "registry.example.com:443/");
        var tag = Gen.OneOf("", ":7", ":7-alpine", ":v1.2.3", ":latest");
        var digest = Gen.OneOf("", "@sha256:4d3c2b1a");

        Gen.Select(registry, path, tag, digest).Sample((host, repository, version, hash) =>
            Assert.Equal(repository, ImageReference.Repository(host + repository + version + hash)));
    }
}
