//! Replication statistics: the mean of independent runs and its 95% confidence interval.

use serde::Serialize;

/// A figure estimated from independent replications.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    /// Half-width of the 95% Student-t confidence interval of the mean; 0 for one run.
    pub half_width: f64,
    /// Replications it is estimated from.
    pub n: u32,
}

impl Estimate {
    /// The mean and 95% interval of `samples` (independent runs).
    pub fn from_samples(samples: &[f64]) -> Estimate {
        let n = samples.len();
        if n == 0 {
            return Estimate {
                mean: 0.0,
                half_width: 0.0,
                n: 0,
            };
        }
        let mean = samples.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Estimate {
                mean,
                half_width: 0.0,
                n: 1,
            };
        }
        let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        Estimate {
            mean,
            half_width: t_975(n as u32 - 1) * (variance / n as f64).sqrt(),
            n: n as u32,
        }
    }

    pub fn low(&self) -> f64 {
        self.mean - self.half_width
    }

    pub fn high(&self) -> f64 {
        self.mean + self.half_width
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom (two-sided 95%).
///
/// Exact table values to 30 degrees of freedom; beyond, the Cornish–Fisher expansion,
/// whose error there is below 1e-4.
pub fn t_975(df: u32) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df as usize - 1],
        _ => {
            let z: f64 = 1.959_964;
            let d = df as f64;
            z + (z.powi(3) + z) / (4.0 * d)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_of_known_samples() {
        // mean 3, sample sd 1.5811, n 5: half-width 2.776 · 1.5811 / √5 = 1.963.
        let e = Estimate::from_samples(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        assert!((e.half_width - 1.9632).abs() < 1e-3, "{e:?}");
        assert_eq!(Estimate::from_samples(&[7.0]).half_width, 0.0);
    }

    #[test]
    fn t_quantiles_join_the_table_smoothly() {
        assert!((t_975(31) - 2.040).abs() < 1e-3);
        assert!((t_975(60) - 2.000).abs() < 1e-3);
        assert!((t_975(1000) - 1.962).abs() < 1e-3);
    }
}
