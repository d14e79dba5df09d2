import { expect } from 'chai';
import { tuneHeapForStreaming } from '../../server/heap-tuning';

describe('heap tuning for streaming', () => {
  it('sets the growth factor when the process was started without one', () => {
    expect(tuneHeapForStreaming(['--enable-source-maps'])).to.equal(true);
  });

  it('leaves an explicit --heap-growing-percent alone, in either spelling', () => {
    expect(tuneHeapForStreaming(['--heap-growing-percent=50'])).to.equal(false);
    expect(tuneHeapForStreaming(['--heap_growing_percent=50'])).to.equal(false);
    expect(tuneHeapForStreaming(['--heap-growing-percent-foo=1'])).to.equal(true);
  });
});
