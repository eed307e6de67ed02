namespace EventShadow.Negotiator.Analysis;

/// <summary>
/// The parts of an image reference that name the software it runs: the repository path without
/// registry, tag and digest (<c>bitnami/redis</c>), and its last segment, the name (<c>redis</c>).
/// </summary>
internal sealed record ImageName(string Repository, string Name)
{
    private static readonly char[] WordSeparators = ['-', '_', '.'];

    /// <summary>
    /// Parses references such as <c>redis:7</c>, <c>docker.io/bitnami/redis:7.2</c>,
    /// <c>localhost:5000/app@sha256:…</c>. The first segment is a registry when it contains a dot or a
    /// colon or is <c>localhost</c>, as Docker decides it.
    /// </summary>
    public static ImageName Parse(string image)
    {
        var reference = image.Trim().ToLowerInvariant();
        var digest = reference.IndexOf('@', StringComparison.Ordinal);
        if (digest >= 0)
        {
            reference = reference[..digest];
        }

        var segments = reference.Split('/').ToList();
        if (segments.Count > 1 && (segments[0].Contains('.', StringComparison.Ordinal) || segments[0].Contains(':', StringComparison.Ordinal) || segments[0] == "localhost"))
        {
            segments.RemoveAt(0);
        }

        var last = segments[^1];
        var tag = last.IndexOf(':', StringComparison.Ordinal);
        if (tag >= 0)
        {
            segments[^1] = last[..tag];
        }

        return new ImageName(string.Join('/', segments), segments[^1]);
    }

    /// <summary>
    /// Tells whether <paramref name="token"/> starts a word of the name (<c>redis</c> in <c>redismod</c>,
    /// <c>stress-ng</c> in <c>stress-ng</c>), or, for a token with a <c>/</c>, ends the repository path.
    /// </summary>
    public bool Matches(string token)
    {
        if (token.Contains('/', StringComparison.Ordinal))
        {
            return Repository == token || Repository.EndsWith("/" + token, StringComparison.Ordinal);
        }

        var words = " " + string.Join(' ', Name.Split(WordSeparators, StringSplitOptions.RemoveEmptyEntries));
        var tokenWords = " " + string.Join(' ', token.Split(WordSeparators, StringSplitOptions.RemoveEmptyEntries));
        return words.Contains(tokenWords, StringComparison.Ordinal);
    }
}
