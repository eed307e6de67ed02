using EventShadow.Negotiator.Analysis;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.UnitTests.Analysis;

public sealed class DependencyNeedsTests
{
    private const string WordPress = """
        services:
          db:
            image: mariadb:10.6.4-focal
          cache:
            image: redis:7
          wordpress:
            image: wordpress:latest
            depends_on:
              - db
              - cache
        """;

    [Fact]
    public void Compose_dependency_on_database_image_gives_needs_database()
    {
        var wordpress = ManifestReader.Read(WordPress, "compose.yaml").Single(task => task.Name == "compose/wordpress");

        var hints = RequirementAnalyzer.Analyze(wordpress).Hints;

        var database = Assert.Single(hints, hint => hint.Name == "needs-database");
        Assert.Equal("db: mariadb:10.6.4-focal", database.Value);
        Assert.Equal("compose.yaml: document 1, services.wordpress.depends_on (line 9)", database.Source);
        var cache = Assert.Single(hints, hint => hint.Name == "needs-cache");
        Assert.Equal("cache: redis:7", cache.Value);
    }

    [Fact]
    public void Service_without_dependencies_has_no_needs()
    {
        var database = ManifestReader.Read(WordPress, "compose.yaml").Single(task => task.Name == "compose/db");

        var hints = RequirementAnalyzer.Analyze(database).Hints;

        Assert.DoesNotContain(hints, hint => hint.Name.StartsWith("needs-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mariadb:10.6", EventShadow.Contracts.WorkloadProfile.Database)]
    [InlineData("docker.io/library/redis:7-alpine", EventShadow.Contracts.WorkloadProfile.Cache)]
    [InlineData("wordpress:latest", null)]
    public void ProfileOfImage_reads_the_image_name(string image, EventShadow.Contracts.WorkloadProfile? expected)
    {
        Assert.Equal(expected, RequirementAnalyzer.ProfileOfImage(image));
    }
}
