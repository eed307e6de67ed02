using System.Globalization;
using System.Numerics;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Parses the CPU and memory quantities of Kubernetes manifests and docker-compose files into
/// millicores and mebibytes, rounding up like Kubernetes does, and rejects values no node could offer.
/// </summary>
/// <remarks>
/// Values are computed exactly (mantissa × 10^a × 2^b as big integers) and only then rounded, so
/// <c>1.5Gi</c>, <c>129e6</c> and <c>0.1m</c> round the same way every time.
/// </remarks>
public static class ResourceQuantity
{
    /// <summary>Largest CPU quantity accepted: 1024 cores.</summary>
    public const int MaxCpuMillicores = 1024 * 1000;

    /// <summary>Largest memory quantity accepted: 16 TiB.</summary>
    public const int MaxMemoryMiB = 16 * 1024 * 1024;

    private const int MaxTextLength = 100;
    private const int MebibyteExponent = 20;

    // Magnitudes (as powers of ten) beyond which the exact computation is skipped: anything above
    // the upper bound cannot fit in 64 bits, anything below the lower bound rounds up to one unit.
    private const double MaxComputedMagnitude = 30;
    private const double MinComputedMagnitude = -30;

    private const string KubernetesMemoryForms =
        "a non-negative number of bytes with an optional suffix k, M, G, T, P, E (powers of 1000), "
        + "Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024) or an exponent, for example 128974848, 129e6, 129M, 123Mi or 1.5Gi";

    private const string KubernetesCpuForms =
        "a non-negative number of cores such as 0.5 or 2, or millicores with the suffix m such as 500m";

    private const string ComposeCpusForms = "a non-negative number of CPUs such as 0.5 or 2";

    private const string ComposeBytesForms =
        "a non-negative number of bytes with an optional unit b, k, m, g, t or p (powers of 1024), "
        + "for example 2048, 100k, 512m, 1g or 1gb";

    private static readonly double Log10Of2 = Math.Log10(2);

    /// <summary>
    /// Parses a Kubernetes CPU quantity (<c>100m</c>, <c>0.5</c>, <c>2</c>) into millicores,
    /// rounded up to a whole millicore.
    /// </summary>
    /// <exception cref="ManifestException">The text is not a quantity, is negative or is above 1024 cores.</exception>
    public static int ParseKubernetesCpu(string text, ManifestLocation location)
    {
        var value = ParseKubernetesQuantity(text, "CPU", KubernetesCpuForms, location);
        return ToMillicores(value, text, location);
    }

    /// <summary>
    /// Parses a Kubernetes memory quantity (<c>128974848</c>, <c>129e6</c>, <c>129M</c>, <c>123Mi</c>)
    /// into mebibytes, rounded up to a whole MiB.
    /// </summary>
    /// <exception cref="ManifestException">The text is not a quantity, is negative or is above 16 TiB.</exception>
    public static int ParseKubernetesMemory(string text, ManifestLocation location)
    {
        var value = ParseKubernetesQuantity(text, "memory", KubernetesMemoryForms, location);
        return ToMebibytes(value, text, location);
    }

    /// <summary>
    /// Parses a Kubernetes memory limit like <see cref="ParseKubernetesMemory"/>, but rounded down to a
    /// whole MiB, so that an allocation of that many MiB stays within the limit as written.
    /// </summary>
    /// <exception cref="ManifestException">The text is not a quantity, is negative or is above 16 TiB.</exception>
    public static int ParseKubernetesMemoryLimit(string text, ManifestLocation location)
    {
        var value = ParseKubernetesQuantity(text, "memory", KubernetesMemoryForms, location);
        return ToMebibytes(value, text, location, roundDown: true);
    }

    /// <summary>
    /// Parses a docker-compose <c>cpus</c> value (<c>0.5</c>, <c>2</c>) into millicores, rounded up.
    /// </summary>
    /// <exception cref="ManifestException">The text is not a plain number, is negative or is above 1024 cores.</exception>
    public static int ParseComposeCpus(string text, ManifestLocation location)
    {
        var trimmed = CheckLength(text, "CPU", ComposeCpusForms, location);
        var (number, rest) = SplitNumber(trimmed, "CPU", ComposeCpusForms, location);
        if (rest.Length > 0)
        {
            throw Invalid(text, "CPU", $"unexpected '{rest}' after the number", ComposeCpusForms, location);
        }

        return ToMillicores(number, text, location);
    }

    /// <summary>
    /// Parses a docker-compose byte size (<c>mem_limit</c>, <c>deploy.resources.limits.memory</c>,
    /// such as <c>512m</c>, <c>1gb</c>, <c>2048</c>) into mebibytes, rounded up. Units are powers of
    /// 1024, as the Docker CLI reads them.
    /// </summary>
    /// <exception cref="ManifestException">The text is not a byte size, is negative or is above 16 TiB.</exception>
    public static int ParseComposeBytes(string text, ManifestLocation location) => ParseComposeBytes(text, location, roundDown: false);

    /// <summary>
    /// Parses a docker-compose memory limit like <see cref="ParseComposeBytes(string, ManifestLocation)"/>, but
    /// rounded down to a whole MiB, so that an allocation of that many MiB stays within the limit as written.
    /// </summary>
    /// <exception cref="ManifestException">The text is not a byte size, is negative or is above 16 TiB.</exception>
    public static int ParseComposeBytesLimit(string text, ManifestLocation location) => ParseComposeBytes(text, location, roundDown: true);

    private static int ParseComposeBytes(string text, ManifestLocation location, bool roundDown)
    {
        if (!TryParseBinaryBytes(text, allowFraction: true, out var value, out var problem))
        {
            throw Invalid(text, "memory", problem, ComposeBytesForms, location);
        }

        return ToMebibytes(value, text, location, roundDown);
    }

    /// <summary>
    /// Parses a JVM heap size such as the <c>512m</c> of <c>-Xmx512m</c> into mebibytes, rounded up;
    /// returns null when the text is not a size the JVM accepts or is above 16 TiB.
    /// </summary>
    public static int? TryParseJvmSizeMiB(string text)
    {
        // The JVM takes whole numbers of bytes with an optional k, m, g or t (powers of 1024), nothing else.
        var unitless = text.Length > 0 && text[^1] is 'k' or 'K' or 'm' or 'M' or 'g' or 'G' or 't' or 'T' ? text[..^1] : text;
        if (unitless.Length == 0 || !unitless.All(char.IsAsciiDigit)
            || !TryParseBinaryBytes(text, allowFraction: false, out var value, out _))
        {
            return null;
        }

        var mebibytes = Ceiling(value with { BinaryExponent = value.BinaryExponent - MebibyteExponent });
        return mebibytes is { } result && result <= MaxMemoryMiB ? (int)result : null;
    }

    /// <summary>
    /// Parses a PostgreSQL memory setting such as the <c>256MB</c> of <c>shared_buffers=256MB</c> into
    /// mebibytes, rounded up; returns null when the text is not such a setting or is above 16 TiB.
    /// </summary>
    /// <remarks>
    /// PostgreSQL takes a whole number with an optional unit B, kB, MB, GB or TB (powers of 1024,
    /// case-sensitive). Without a unit the number counts <paramref name="unitlessBytes"/>: 8 kB
    /// pages for <c>shared_buffers</c>.
    /// </remarks>
    public static int? TryParsePostgresSizeMiB(string text, int unitlessBytes) =>
        TryParseWholeSizeMiB(text, unit => unit switch
        {
            "" => unitlessBytes,
            "B" => BigInteger.One,
            "kB" => BigInteger.One << 10,
            "MB" => BigInteger.One << 20,
            "GB" => BigInteger.One << 30,
            "TB" => BigInteger.One << 40,
            _ => null,
        });

    /// <summary>
    /// Parses a MySQL or MariaDB size option such as the <c>512M</c> of <c>--innodb-buffer-pool-size=512M</c>
    /// into mebibytes, rounded up: a whole number of bytes with an optional K, M, G or T (powers of
    /// 1024, either case). Returns null for other text or sizes above 16 TiB.
    /// </summary>
    public static int? TryParseMySqlSizeMiB(string text) =>
        TryParseWholeSizeMiB(text, unit => unit.ToUpperInvariant() switch
        {
            "" => BigInteger.One,
            "K" => BigInteger.One << 10,
            "M" => BigInteger.One << 20,
            "G" => BigInteger.One << 30,
            "T" => BigInteger.One << 40,
            _ => null,
        });

    /// <summary>
    /// Parses a Redis memory setting such as the <c>256mb</c> of <c>--maxmemory 256mb</c> into mebibytes,
    /// rounded up. Redis reads k, m and g as powers of 1000 and kb, mb and gb as powers of 1024, in
    /// either case. Returns null for other text or sizes above 16 TiB.
    /// </summary>
    public static int? TryParseRedisSizeMiB(string text) =>
        TryParseWholeSizeMiB(text, unit => unit.ToLowerInvariant() switch
        {
            "" => BigInteger.One,
            "k" => 1000,
            "kb" => BigInteger.One << 10,
            "m" => 1_000_000,
            "mb" => BigInteger.One << 20,
            "g" => 1_000_000_000,
            "gb" => BigInteger.One << 30,
            _ => null,
        });

    /// <summary>
    /// Describes a memory quantity of <paramref name="format"/> exactly, in the largest of bytes, KiB
    /// and MiB that divides it: <c>4 KiB</c> for the compose size <c>4k</c>, <c>4000 bytes</c> for the
    /// Kubernetes quantity <c>4k</c>. The parsers round to whole MiB, which would show such a
    /// quantity as 0 or 1 MiB. Returns null when the text is not a memory quantity of that format.
    /// </summary>
    public static string? DescribeMemory(string text, string format) =>
        MemoryBytes(text, format) is { } bytes ? FormatBytes(bytes) : null;

    /// <summary>
    /// Returns a memory quantity of <paramref name="format"/> in whole bytes, or null when the text is not
    /// a memory quantity of that format. Compare these where values within one MiB of each other matter.
    /// </summary>
    public static long? MemoryBytes(string text, string format)
    {
        ExactValue value;
        if (format == ManifestFormats.Compose)
        {
            if (!TryParseBinaryBytes(text, allowFraction: true, out value, out _))
            {
                return null;
            }
        }
        else
        {
            try
            {
                value = ParseKubernetesQuantity(text, "memory", KubernetesMemoryForms, new ManifestLocation(string.Empty, null, null, null));
            }
            catch (ManifestException)
            {
                return null;
            }
        }

        // Kubernetes rounds a fraction of a byte up to a whole byte (Quantity.Value() in apimachinery), and so does this.
        return Ceiling(value);
    }

    private static string FormatBytes(long bytes)
    {
        const long kibibyte = 1L << 10;
        const long mebibyte = 1L << MebibyteExponent;
        return bytes switch
        {
            > 0 when bytes % mebibyte == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / mebibyte} MiB"),
            > 0 when bytes % kibibyte == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / kibibyte} KiB"),
            1 => "1 byte",
            _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
        };
    }

    /// <summary>
    /// Parses digits followed directly by a unit that <paramref name="unitBytes"/> maps to its bytes (null for an
    /// unknown unit) into mebibytes, rounded up.
    /// </summary>
    private static int? TryParseWholeSizeMiB(string text, Func<string, BigInteger?> unitBytes)
    {
        var trimmed = text.Trim();
        var digits = 0;
        while (digits < trimmed.Length && char.IsAsciiDigit(trimmed[digits]))
        {
            digits++;
        }

        if (digits == 0 || trimmed.Length > MaxTextLength || unitBytes(trimmed[digits..]) is not { } multiplier)
        {
            return null;
        }

        var bytes = BigInteger.Parse(trimmed[..digits], CultureInfo.InvariantCulture) * multiplier;
        var mebibyte = BigInteger.One << MebibyteExponent;
        var mebibytes = BigInteger.Divide(bytes + mebibyte - 1, mebibyte);
        return mebibytes <= MaxMemoryMiB ? (int)mebibytes : null;
    }

    private static ExactValue ParseKubernetesQuantity(string text, string resource, string forms, ManifestLocation location)
    {
        var trimmed = CheckLength(text, resource, forms, location);
        var (number, suffix) = SplitNumber(trimmed, resource, forms, location);
        if (suffix.Length == 0)
        {
            return number;
        }

        if (BinarySuffixExponent(suffix) is { } binaryExponent)
        {
            return number with { BinaryExponent = binaryExponent };
        }

        if (DecimalSuffixExponent(suffix) is { } decimalExponent)
        {
            return number with { DecimalExponent = number.DecimalExponent + decimalExponent };
        }

        // "1E" alone is the exa suffix above, while an e or E followed by an integer is an exponent.
        if (suffix[0] is 'e' or 'E' && ParseExponent(suffix[1..]) is { } exponent)
        {
            return number with { DecimalExponent = (int)Math.Clamp(number.DecimalExponent + exponent, int.MinValue / 2, int.MaxValue / 2) };
        }

        throw Invalid(text, resource, $"unknown suffix '{suffix}'", forms, location);
    }

    private static int? BinarySuffixExponent(string suffix) => suffix switch
    {
        "Ki" => 10,
        "Mi" => 20,
        "Gi" => 30,
        "Ti" => 40,
        "Pi" => 50,
        "Ei" => 60,
        _ => null,
    };

    private static int? DecimalSuffixExponent(string suffix) => suffix switch
    {
        "n" => -9,
        "u" => -6,
        "m" => -3,
        "k" => 3,
        "M" => 6,
        "G" => 9,
        "T" => 12,
        "P" => 15,
        "E" => 18,
        _ => null,
    };

    /// <summary>
    /// Reads the signed integer of an exponent suffix. Exponents of more than nine digits are clamped to
    /// 10^9, which keeps their meaning: the value is too large, or it rounds up to one unit.
    /// </summary>
    private static long? ParseExponent(string text)
    {
        var digits = text.TrimStart('+', '-');
        if (digits.Length == 0 || text.Length - digits.Length > 1 || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        var negative = text[0] == '-';
        var magnitude = digits.Length > 9 ? 1_000_000_000L : long.Parse(digits, CultureInfo.InvariantCulture);
        return negative ? -magnitude : magnitude;
    }

    /// <summary>
    /// Reads a Docker-style byte size: a number, an optional space, an optional unit letter
    /// (b, k, m, g, t, p in powers of 1024), then an optional <c>i</c> after a unit and an optional <c>b</c>.
    /// </summary>
    private static bool TryParseBinaryBytes(string text, bool allowFraction, out ExactValue value, out string problem)
    {
        value = default;
        var trimmed = text.Trim();
        if (trimmed.Length is 0 or > MaxTextLength)
        {
            problem = trimmed.Length == 0 ? "the value is empty" : $"the value is longer than {MaxTextLength} characters";
            return false;
        }

        if (!TrySplitNumber(trimmed, out value, out var rest, out problem))
        {
            return false;
        }

        if (!allowFraction && value.DecimalExponent != 0)
        {
            problem = "fractions are not accepted";
            return false;
        }

        var unit = rest.StartsWith(' ') ? rest[1..] : rest;
        var exponent = 0;
        var index = 0;
        if (index < unit.Length && char.ToLowerInvariant(unit[index]) is 'k' or 'm' or 'g' or 't' or 'p')
        {
            exponent = char.ToLowerInvariant(unit[index]) switch
            {
                'k' => 10,
                'm' => 20,
                'g' => 30,
                't' => 40,
                _ => 50,
            };
            index++;
            if (index < unit.Length && unit[index] is 'i' or 'I')
            {
                index++;
            }
        }

        if (allowFraction && index < unit.Length && unit[index] is 'b' or 'B')
        {
            index++;
        }

        if (index != unit.Length)
        {
            problem = $"unknown unit '{unit}'";
            return false;
        }

        value = value with { BinaryExponent = exponent };
        return true;
    }

    private static string CheckLength(string text, string resource, string forms, ManifestLocation location)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw Invalid(text, resource, "the value is empty", forms, location);
        }

        if (trimmed.Length > MaxTextLength)
        {
            throw Invalid(text[..20] + "…", resource, $"the value is longer than {MaxTextLength} characters", forms, location);
        }

        return trimmed;
    }

    private static (ExactValue Number, string Suffix) SplitNumber(string text, string resource, string forms, ManifestLocation location)
    {
        if (!TrySplitNumber(text, out var number, out var rest, out var problem))
        {
            throw Invalid(text, resource, problem, forms, location);
        }

        return (number, rest);
    }

    /// <summary>
    /// Splits a leading non-negative decimal number (<c>12</c>, <c>1.5</c>, <c>.5</c>, <c>2.</c>,
    /// optionally with a <c>+</c>) from what follows it.
    /// </summary>
    private static bool TrySplitNumber(string text, out ExactValue number, out string rest, out string problem)
    {
        number = default;
        rest = string.Empty;
        problem = string.Empty;

        var index = 0;
        if (text[0] == '-')
        {
            problem = "negative values are not accepted";
            return false;
        }

        if (text[0] == '+')
        {
            index++;
        }

        var integerStart = index;
        while (index < text.Length && char.IsAsciiDigit(text[index]))
        {
            index++;
        }

        var integerDigits = text[integerStart..index];
        var fractionDigits = string.Empty;
        if (index < text.Length && text[index] == '.')
        {
            index++;
            var fractionStart = index;
            while (index < text.Length && char.IsAsciiDigit(text[index]))
            {
                index++;
            }

            fractionDigits = text[fractionStart..index];
        }

        if (integerDigits.Length == 0 && fractionDigits.Length == 0)
        {
            problem = "it does not start with a number";
            return false;
        }

        var mantissa = BigInteger.Parse(string.Concat("0", integerDigits, fractionDigits), CultureInfo.InvariantCulture);
        number = new ExactValue(mantissa, -fractionDigits.Length, 0);
        rest = text[index..];
        return true;
    }

    private static int ToMillicores(ExactValue cores, string text, ManifestLocation location)
    {
        var millicores = Ceiling(cores with { DecimalExponent = cores.DecimalExponent + 3 });
        if (millicores is null)
        {
            throw new ManifestException(location,
                $"CPU quantity '{text}' is out of range because it does not fit in a 64-bit number. "
                + $"Accepted: at most 1024 cores ({MaxCpuMillicores}m)");
        }

        if (millicores > MaxCpuMillicores)
        {
            throw new ManifestException(location,
                $"CPU quantity '{text}' ({millicores}m) is above the maximum of 1024 cores ({MaxCpuMillicores}m). "
                + "No node offers that much, so check the unit");
        }

        return (int)millicores.Value;
    }

    private static int ToMebibytes(ExactValue bytes, string text, ManifestLocation location, bool roundDown = false)
    {
        var mebibytes = Round(bytes with { BinaryExponent = bytes.BinaryExponent - MebibyteExponent }, up: !roundDown);
        if (mebibytes is null)
        {
            throw new ManifestException(location,
                $"memory quantity '{text}' is out of range because it does not fit in a 64-bit number. "
                + $"Accepted: at most 16 TiB ({MaxMemoryMiB} MiB)");
        }

        if (mebibytes > MaxMemoryMiB)
        {
            throw new ManifestException(location,
                $"memory quantity '{text}' ({mebibytes} MiB) is above the maximum of 16 TiB ({MaxMemoryMiB} MiB). "
                + "No node offers that much, so check the unit");
        }

        return (int)mebibytes.Value;
    }

    /// <summary>
    /// Returns the value rounded up to a whole unit, or null when it does not fit in a long.
    /// </summary>
    private static long? Ceiling(ExactValue value) => Round(value, up: true);

    /// <summary>
    /// Returns the value rounded up or down to a whole unit, or null when it does not fit in a long.
    /// </summary>
    private static long? Round(ExactValue value, bool up)
    {
        if (value.Mantissa.IsZero)
        {
            return 0;
        }

        var magnitude = BigInteger.Log10(value.Mantissa) + value.DecimalExponent + (value.BinaryExponent * Log10Of2);
        if (magnitude > MaxComputedMagnitude)
        {
            return null;
        }

        if (magnitude < MinComputedMagnitude)
        {
            return up ? 1 : 0;
        }

        var numerator = value.Mantissa;
        var denominator = BigInteger.One;
        if (value.DecimalExponent >= 0)
        {
            numerator *= BigInteger.Pow(10, value.DecimalExponent);
        }
        else
        {
            denominator *= BigInteger.Pow(10, -value.DecimalExponent);
        }

        if (value.BinaryExponent >= 0)
        {
            numerator <<= value.BinaryExponent;
        }
        else
        {
            denominator <<= -value.BinaryExponent;
        }

        var rounded = BigInteger.Divide(up ? numerator + denominator - 1 : numerator, denominator);
        return rounded > long.MaxValue ? null : (long)rounded;
    }

    private static ManifestException Invalid(string text, string resource, string problem, string forms, ManifestLocation location) =>
        new(location, $"invalid {resource} quantity '{text}': {problem}. Accepted: {forms}");

    /// <summary>
    /// An exact non-negative number: <c>Mantissa × 10^DecimalExponent × 2^BinaryExponent</c>.
    /// </summary>
    private readonly record struct ExactValue(BigInteger Mantissa, int DecimalExponent, int BinaryExponent);
}
