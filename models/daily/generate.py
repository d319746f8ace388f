"""Writes a synthetic daily model file and its truth file for docs/performance.md's scaling table
(issue 17): T days x C channels, geometric adstock of max lag L, logistic saturation, 5 event
controls, yearly seasonality order 2 and a linear trend.

    python3 models/daily/generate.py T C L OUT   # writes OUT.toml and OUT_truth.toml
    mmm simulate OUT.toml --truth OUT_truth.toml --out sim
    mmm fit sim/model.toml --out fit --chains 2 --warmup 300 --draws 300

models/daily/daily.toml and daily_truth.toml are its output for 1826 30 30.
"""
import sys,random
T,C,L=map(int,sys.argv[1:4]); out=sys.argv[4]
r=random.Random(7)
m=['# Synthetic daily model: %d days x %d channels, geometric adstock max_lag %d, logistic saturation.'%(T,C,L),
'# Written by models/daily/generate.py (issue 17 scaling table, docs/performance.md). Data:',
'# mmm simulate %s.toml --truth %s_truth.toml --out sim'%(out.split('/')[-1],out.split('/')[-1]),
'[data]','date = "day"','target = "sales"','','[likelihood]','family = "normal"','sigma = { dist = "half_normal", sigma = 0.2 }','']
t=['# True values for %s.toml (models/daily/generate.py); scaled space, as in models/demo_truth.toml.'%out.split('/')[-1],'seed = 1','periods = %d'%T,'start = "2021-01-04"','period_days = 1','target_scale = 1_000_000.0','','[parameters]']
pats=['always_on','flighted','sporadic','trending']
for c in range(C):
    n='c%02d'%c
    m+=['[[channel]]','name = "%s"'%n,'column = "%s_spend"'%n,'adstock = { type = "geometric", max_lag = %d }'%L,
        'saturation = { type = "logistic", lam = { dist = "gamma", shape = 3.0, rate = 1.0 } }','beta = { dist = "half_normal", sigma = 2.0 }','']
    t+=['"alpha[%s]" = %.2f'%(n,r.uniform(0.1,0.7)),'"lam[%s]" = %.2f'%(n,r.uniform(1,4)),'"beta[%s]" = %.3f'%(n,r.uniform(0.2,0.6)/C)]
for k in range(5):
    m+=['[[control]]','column = "z%d"'%k,'']
    t+=['"gamma[z%d]" = %.3f'%(k,r.uniform(-0.03,0.03))]
m+=['[seasonality]','order = 2','','[trend]','type = "linear"']
t+=['"fourier[sin_1]" = 0.03','"fourier[sin_2]" = -0.01','"fourier[cos_1]" = 0.04','"fourier[cos_2]" = 0.015','"intercept" = 0.45','"trend" = 0.05','"sigma" = 0.03','']
for c in range(C):
    n='c%02d'%c; p=pats[c%4]
    t+=['[channel.%s]'%n,'pattern = "%s"'%p,'spend_scale = %d.0'%r.choice([5000,10000,20000])]
    if p=='flighted': t+=['on = 20','off = 25']
    if p=='sporadic': t+=['probability = 0.3']
    if p=='trending': t+=['growth = 2.0']
    t+=['noise = 0.3','']
for k in range(5):
    t+=['[control.z%d]'%k,'pattern = "events"','probability = 0.05','length = 3','']
open(out+'.toml','w').write('\n'.join(m)+'\n'); open(out+'_truth.toml','w').write('\n'.join(t)+'\n')
