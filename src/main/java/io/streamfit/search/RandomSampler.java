package io.streamfit.search;

import io.streamfit.nn.SplitMix64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Random search (Bergstra and Bengio, "Random Search for Hyper-Parameter Optimization", JMLR 13,
 * 2012): each value drawn independently from its space's prior. When few of the parameters
 * matter, every trial tries a new value of each, where a grid of the same budget repeats a few.
 */
public final class RandomSampler implements Sampler {
    @Override
    public Map<String, Object> suggest(Map<String, Space> spaces, List<Trial> scored, int index, SplitMix64 rng) {
        Map<String, Object> values = new LinkedHashMap<>();
        spaces.forEach((path, space) -> values.put(path, space.sample(rng)));
        return values;
    }
}
