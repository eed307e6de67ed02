namespace EventShadow.Hosting.Access;

/// <summary>
/// The scopes an API key can grant, and the authorization policies that require them.
/// </summary>
public static class ApiScopes
{
    /// <summary>Reading negotiations, validations, pools, capacity and costs, and following event streams.</summary>
    public const string Read = "read";

    /// <summary>Starting negotiations and validations, releasing allocations and replaying costs.</summary>
    public const string Submit = "submit";

    /// <summary>Claim type that carries one granted scope per claim.</summary>
    public const string ClaimType = "scope";

    public static IReadOnlyList<string> All { get; } = [Read, Submit];
}
