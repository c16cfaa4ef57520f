//! What one accepted API call costs: the one place that knows an API's prices, so the
//! economics only ever sees money the tier has booked.

use crate::model::Api;

/// The tokens of one accepted call, split as they are billed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Call {
    /// Every prompt token, the prefix included.
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// Of `input_tokens`, the warm prefix billed at the cached price.
    pub cached_input_tokens: u32,
    /// Of `input_tokens`, the cold prefix billed as a cache write.
    pub cache_write_tokens: u32,
    /// Made through the batch API: the whole call at the batch discount.
    pub batch: bool,
}

/// The price of `call`: token prices are per 1,000 tokens, the fee per call. A warm
/// prefix is billed at the cached price, a cold one at the input price × the write
/// multiplier, the rest of the prompt at the input price; a batch call pays
/// `(1 − discount)` of all of it, fee included.
pub fn price(api: &Api, call: &Call) -> f64 {
    let fresh = call.input_tokens - call.cached_input_tokens - call.cache_write_tokens;
    let mut input = f64::from(fresh) * api.price_per_1k_input_tokens;
    if let Some(cache) = &api.prompt_cache {
        input += f64::from(call.cached_input_tokens) * cache.price_per_1k_cached_input_tokens
            + f64::from(call.cache_write_tokens)
                * api.price_per_1k_input_tokens
                * cache.write_multiplier;
    }
    let list = (input + f64::from(call.output_tokens) * api.price_per_1k_output_tokens) / 1000.0
        + api.price_per_request;
    match &api.batch {
        Some(batch) if call.batch => list * (1.0 - batch.discount),
        _ => list,
    }
}

#[cfg(test)]
mod tests {
    //! Prices worked out by hand; f64 arithmetic on these few terms is exact to 1e-12.
    use super::*;
    use crate::model::{ApiLatency, BatchApi, Dist, PromptCache, Retry};
    use crate::time::SimTime;

    fn api() -> Api {
        Api {
            price_per_1k_input_tokens: 0.4,
            price_per_1k_output_tokens: 1.6,
            price_per_request: 0.001,
            latency: ApiLatency::Complete(Dist::Constant(1.0)),
            rate_limit: None,
            retry: Retry {
                max_retries: 0,
                backoff: SimTime::SECOND,
            },
            timeout: None,
            prompt_cache: Some(PromptCache {
                price_per_1k_cached_input_tokens: 0.1,
                write_multiplier: 1.25,
                lifetime: SimTime(300_000_000),
            }),
            batch: Some(BatchApi {
                discount: 0.5,
                turnaround: Dist::Constant(3.6e9),
                rate_limit: None,
            }),
        }
    }

    #[track_caller]
    fn assert_close(got: f64, want: f64) {
        assert!((got - want).abs() <= 1e-12 * want.abs(), "{got} vs {want}");
    }

    #[test]
    fn a_plain_call_pays_list_prices_and_the_fee() {
        let call = Call {
            input_tokens: 2000,
            output_tokens: 500,
            ..Call::default()
        };
        // 2 × 0.4 + 0.5 × 1.6 + 0.001 = 0.8 + 0.8 + 0.001.
        assert_close(price(&api(), &call), 1.601);
    }

    #[test]
    fn a_warm_prefix_is_billed_at_the_cached_price_and_a_cold_one_as_a_write() {
        let warm = Call {
            input_tokens: 2000,
            output_tokens: 500,
            cached_input_tokens: 1500,
            ..Call::default()
        };
        // 0.5 × 0.4 + 1.5 × 0.1 + 0.8 + 0.001 = 0.2 + 0.15 + 0.801.
        assert_close(price(&api(), &warm), 1.151);
        let cold = Call {
            cached_input_tokens: 0,
            cache_write_tokens: 1500,
            ..warm
        };
        // 0.5 × 0.4 + 1.5 × 0.4 × 1.25 + 0.801 = 0.2 + 0.75 + 0.801.
        assert_close(price(&api(), &cold), 1.751);
    }

    #[test]
    fn a_batch_call_pays_the_discounted_share_of_everything() {
        let call = Call {
            input_tokens: 2000,
            output_tokens: 500,
            batch: true,
            ..Call::default()
        };
        assert_close(price(&api(), &call), 1.601 * 0.5);
    }
}
