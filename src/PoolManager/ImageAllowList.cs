namespace EventShadow.PoolManager;

/// <summary>
/// The local images shadows may run: <see cref="ShadowOptions.AllowedImages"/> and the repository of
/// <see cref="ShadowOptions.WorkloadImage"/>.
/// </summary>
public sealed class ImageAllowList
{
    private readonly HashSet<string> repositories;

    public ImageAllowList(ShadowOptions options)
    {
        repositories = new HashSet<string>(options.AllowedImages.Select(Normalize), StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(options.WorkloadImage))
        {
            repositories.Add(Normalize(options.WorkloadImage));
        }
    }

    /// <summary>Returns whether <paramref name="image"/> is allowed, whatever its tag or digest.</summary>
    public bool Allows(string image) => repositories.Contains(Normalize(image));

    /// <summary>
    /// Returns the repository of <paramref name="image"/> with its registry but without tag or digest, in
    /// lower case, and without <c>docker.io/</c> or <c>docker.io/library/</c>, which name Docker Hub.
    /// </summary>
    /// <remarks>
    /// Unlike <see cref="ImageReference.Repository"/> this keeps any other registry, so that an allow-list
    /// entry for a local image does not let through an image of the same name from elsewhere.
    /// </remarks>
    public static string Normalize(string image)
    {
        var name = image.Trim().ToLowerInvariant();

        var digestStart = name.IndexOf('@', StringComparison.Ordinal);
        if (digestStart >= 0)
        {
            name = name[..digestStart];
        }

        var tagStart = name.LastIndexOf(':');
        if (tagStart > name.LastIndexOf('/'))
        {
            name = name[..tagStart];
        }

        foreach (var prefix in (string[])["docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/", "library/"])
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return name[prefix.Length..];
            }
        }

        return name;
    }
}
