namespace EventShadow.PoolManager;

/// <summary>
/// Parts of a Docker image reference such as <c>docker.io/library/redis:7-alpine</c>.
/// </summary>
public static class ImageReference
{
    /// <summary>
    /// Returns the repository of <paramref name="reference"/>, without registry, tag or digest:
    /// <c>docker.io/library/redis:7-alpine</c> gives <c>library/redis</c>, <c>redis:7</c> gives <c>redis</c>.
    /// </summary>
    /// <remarks>
    /// Docker's rule decides what is a registry: the first path segment, when more follow, is a registry
    /// if it contains a dot or a colon or is <c>localhost</c>.
    /// </remarks>
    public static string Repository(string reference)
    {
        var name = reference.Trim();

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

        var firstSlash = name.IndexOf('/', StringComparison.Ordinal);
        if (firstSlash > 0)
        {
            var head = name[..firstSlash];
            if (head.Contains('.', StringComparison.Ordinal) || head.Contains(':', StringComparison.Ordinal) || head == "localhost")
            {
                name = name[(firstSlash + 1)..];
            }
        }

        return name;
    }

    /// <summary>
    /// Returns the last path segment of a repository: <c>library/redis</c> gives <c>redis</c>.
    /// </summary>
    public static string LastSegment(string repository) => repository[(repository.LastIndexOf('/') + 1)..];

    /// <summary>
    /// Returns whether a <c>Shadows:Images</c> match entry covers <paramref name="manifestImage"/>: the
    /// entry equals the image's repository or that repository's last segment.
    /// </summary>
    public static bool Matches(string matchEntry, string manifestImage)
    {
        var repository = Repository(manifestImage);
        return string.Equals(matchEntry, repository, StringComparison.OrdinalIgnoreCase) ||
            string.Equals(matchEntry, LastSegment(repository), StringComparison.OrdinalIgnoreCase);
    }
}
