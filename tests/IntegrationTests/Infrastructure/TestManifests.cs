namespace EventShadow.IntegrationTests.Infrastructure;

/// <summary>
/// Manifests that several tests submit.
/// </summary>
public static class TestManifests
{
    /// <summary>A Pod with one Redis container and no resources.</summary>
    public const string RedisPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: cache
        spec:
          containers:
            - name: redis
              image: redis:7
        """;
}
